//! One integration-test crate (the lead is moving every test here).

mod history;
