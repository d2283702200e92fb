//! Fuzz target: `goattrib::fuzzing::gitlab_trace` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::gitlab_trace(data));
