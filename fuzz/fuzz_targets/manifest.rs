//! Fuzz target: `goattrib::fuzzing::manifest` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::manifest(data));
