//! One integration-test crate (issue 16 fixtures first; the lead is moving the rest here).

mod scale;
