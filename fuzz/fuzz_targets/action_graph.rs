//! Fuzz target: `goattrib::fuzzing::action_graph` on every input (see `src/fuzzing.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goattrib::fuzzing::action_graph(data));
