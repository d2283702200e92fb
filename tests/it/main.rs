//! The one integration-test crate (being converted from one crate per file).

mod profile;
