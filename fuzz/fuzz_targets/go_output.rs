//! Fuzz target: `goattrib::fuzzing::go_output` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::go_output(data));
