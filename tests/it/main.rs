//! The one integration-test crate: one module per subject, all on the shared [`harness`]
//! (fixture paths, library and binary runners, the skip-or-fail-in-CI rule).
//! `cargo test --test it MODULE::` runs one module. Snapshots of human-readable output live
//! in `snapshots/`; bless them with `INSTA_UPDATE=always cargo test --test it`.

mod harness;

mod ci;
mod compare;
mod exit_codes;
mod fuzzing;
mod gitlab_ci;
mod gitlab_trace;
mod history;
mod hostile;
mod hostile_corpus;
mod human_output;
mod job_report;
mod layers;
mod malformed;
mod modcache;
mod packaging;
mod profile;
mod redaction;
mod report_out;
mod scale;
mod scenarios;
mod svg_charts;
mod testcache;
mod totals;
mod vcs;
