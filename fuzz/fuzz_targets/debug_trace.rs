//! Fuzz target: `goattrib::fuzzing::debug_trace` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::debug_trace(data));
