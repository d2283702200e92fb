//! Fuzz target: `goattrib::fuzzing::otlp` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::otlp(data));
