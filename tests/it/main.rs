//! The one integration-test crate: one module per subject, all on the shared [`harness`]
//! (fixture paths, library and binary runners, the skip-or-fail-in-CI rule).
//! `cargo test --test it MODULE::` runs one module. Snapshots of human-readable output live
//! in `snapshots/`; bless them with `INSTA_UPDATE=always cargo test --test it`.

mod harness;

mod cache_headline;
mod cache_manifest;
mod ci;
mod compare;
mod compiler;
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
mod moddownload;
mod packaging;
mod pages_ci;
mod profile;
mod quadratic;
mod redaction;
mod report_out;
mod scale;
mod scenarios;
mod stdouttrace;
mod svg_charts;
mod testcache;
mod totals;
mod vcs;
