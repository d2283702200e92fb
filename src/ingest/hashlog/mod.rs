//! `GODEBUG=gocachehash=1` hash-input logs: what went into every cache key.
//!
//! Written by `cmd/go/internal/cache/hash.go`: `NewHash` prints a bare `HASH[<key>]` header,
//! each `Write` prints `HASH[<key>]: "<%q input>"`, and `Sum` prints `HASH[<key>]: <64 hex>`.
//! Keys interleave (the builder hashes in parallel) and any other stderr text interleaves too,
//! so every line is routed by its key. `HASH <file>: <hex>` (file hashes) and `HASH subkey`
//! lines are recognised and skipped. Classification of the inputs lives in `classify.rs`.

use foldhash::{HashMap, HashMapExt};

use rayon::prelude::*;

use super::gostring::unquote_lossy;
use crate::model::{Input, KeyInputs, TestInput, TestInputsBlock};

mod classify;
mod split;
pub use classify::classify;
use split::Event;

/// One hash block: the inputs of one cache key, in the order Go hashed them. One key can
/// have several blocks (a package compiled plain and with a PGO profile, or plain and with
/// its tests): the block's sum, hence its action ID, tells them apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HashRecord {
    /// The key as printed (`build fmt`), or its test variant `build P [P.test]`.
    pub key: String,
    /// Each `Write`, unquoted. The first is the hash salt (the Go version).
    pub inputs: Vec<String>,
    /// The final action ID in hex, when the `Sum` line was seen.
    pub sum: Option<String>,
}

/// All hash blocks of one build, in the order they finished.
#[derive(Debug, Clone, Default)]
pub struct HashLog {
    pub records: Vec<HashRecord>,
    /// `HASH[` lines that could not be decoded, with the first one's line number.
    pub malformed: u64,
    pub first_malformed_line: Option<u64>,
    /// Groups of interleaved blocks of one key whose split no sum proved (split by a guess).
    pub unproven_splits: u64,
    /// `HASH[testInputs]` blocks in order (`go test`'s result-cache inputs, test.go
    /// `computeTestInputsID`): one key for every package, so kept apart from `records`.
    pub test_inputs: Vec<TestInputsBlock>,
}

impl HashLog {
    /// Every key's first record's inputs classified: what cause analysis diffs when no action
    /// graph says which block is whose (see `analysis::assemble` for the per-action inputs).
    pub fn classified(&self) -> KeyInputs {
        let first = self.first_by_key();
        first
            .par_iter()
            .map(|(k, &i)| ((*k).to_owned(), classify_record(&self.records[i])))
            .collect()
    }

    /// The position of each key's first record.
    pub fn first_by_key(&self) -> HashMap<&str, usize> {
        let mut m = HashMap::with_capacity(self.records.len());
        for (i, r) in self.records.iter().enumerate() {
            m.entry(r.key.as_str()).or_insert(i);
        }
        m
    }

    /// The first record of a key.
    pub fn record(&self, key: &str) -> Option<&HashRecord> {
        self.records.iter().find(|r| r.key == key)
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records whose `Sum` line never came: the log was cut short.
    pub fn incomplete(&self) -> usize {
        self.records.iter().filter(|r| r.sum.is_none()).count()
    }
}

/// One record's inputs classified, opaque IDs shortened: what a diff and a manifest use.
pub fn classify_record(r: &HashRecord) -> Vec<Input> {
    let mut inputs = classify(&r.inputs);
    inputs.iter_mut().for_each(crate::model::shorten_id);
    inputs
}

/// Keys whose inputs say nothing about a build miss: `moduleIndex` hashes file mtimes.
/// `getenv`, `open` and `stat` hash one test input each (nested inside a `testInputs`
/// block); `getenv` prints environment values in clear, so they are never kept.
fn is_ignored_key(key: &str) -> bool {
    matches!(key, "moduleIndex" | "getenv" | "open" | "stat")
}

/// The blocks of one key still being printed.
#[derive(Debug)]
enum Open {
    /// One block: its lines go straight into it.
    One(HashRecord),
    /// Several blocks at once: their lines are kept in order and split when all are done.
    Group { events: Vec<Event>, depth: usize },
}

/// Work every log may spend splitting interleaved blocks (`split::split`), plus
/// `SEARCH_WORK_PER_BYTE` for each byte of hash lines fed: the searches of a whole log stay
/// linear in its size, however many groups it has.
const SEARCH_WORK_BASE: u64 = 256 << 20;
const SEARCH_WORK_PER_BYTE: u64 = 256;

/// Line-fed builder, so one pass over a stderr stream can serve several parsers.
#[derive(Debug, Default)]
pub struct HashLogBuilder {
    log: HashLog,
    open: HashMap<String, Open>,
    /// Bytes of hash lines fed, and the split-search work done so far.
    fed: u64,
    search_work: u64,
}

impl HashLogBuilder {
    /// Offers one line (without its newline). Returns `false` when the line is not a hash line,
    /// so the caller can route it elsewhere.
    pub fn feed(&mut self, line: &str, line_no: u64) -> bool {
        let Some(rest) = line.strip_prefix("HASH") else {
            return false;
        };
        self.fed += line.len() as u64 + 1;
        let Some(rest) = rest.strip_prefix('[') else {
            // `HASH <file>: <hex>` and `HASH subkey ...`: recognised, not needed.
            return rest.starts_with(' ');
        };
        let Some(close) = key_end(rest) else {
            self.malformed(line_no);
            return true;
        };
        let key = &rest[..close];
        let tail = &rest[close + 1..];
        if is_ignored_key(key) {
            return true;
        }
        if key == "testInputs" {
            self.test_inputs_line(tail, line_no);
            return true;
        }
        let event = if tail.is_empty() {
            Event::Open
        } else {
            let Some(value) = tail.strip_prefix(": ") else {
                self.malformed(line_no);
                return true;
            };
            if value.starts_with('"') {
                match unquote_lossy(value) {
                    Some(input) => Event::Input(input),
                    None => {
                        self.malformed(line_no);
                        return true;
                    }
                }
            } else if value.len() == 64 && value.bytes().all(|c| c.is_ascii_hexdigit()) {
                Event::Sum(value.to_owned())
            } else {
                self.malformed(line_no);
                return true;
            }
        };
        self.event(key, event);
        true
    }

    fn event(&mut self, key: &str, event: Event) {
        let Some(open) = self.open.get_mut(key) else {
            let mut record = HashRecord {
                key: key.to_owned(),
                ..HashRecord::default()
            };
            match event {
                Event::Open => {}
                Event::Input(i) => record.inputs.push(i),
                Event::Sum(s) => {
                    // A sum without its block (the log started mid-block).
                    record.sum = Some(s);
                    self.log.records.push(record);
                    return;
                }
            }
            self.open.insert(key.to_owned(), Open::One(record));
            return;
        };
        match open {
            Open::One(record) => match event {
                Event::Input(i) => record.inputs.push(i),
                Event::Sum(s) => {
                    if let Some(Open::One(mut record)) = self.open.remove(key) {
                        record.sum = Some(s);
                        self.log.records.push(record);
                    }
                }
                Event::Open => {
                    // A second block of this key opens before the first is done.
                    let inputs = std::mem::take(&mut record.inputs);
                    let mut events = Vec::with_capacity(inputs.len() + 2);
                    events.push(Event::Open);
                    events.extend(inputs.into_iter().map(Event::Input));
                    events.push(Event::Open);
                    *open = Open::Group { events, depth: 2 };
                }
            },
            Open::Group { events, depth } => {
                match &event {
                    Event::Open => *depth += 1,
                    Event::Sum(_) => *depth = depth.saturating_sub(1),
                    Event::Input(_) => {}
                }
                let finished = *depth == 0;
                events.push(event);
                if finished && let Some(Open::Group { events, .. }) = self.open.remove(key) {
                    self.split_group(key, events);
                }
            }
        }
    }

    fn split_group(&mut self, key: &str, events: Vec<Event>) {
        let allowed =
            SEARCH_WORK_BASE.saturating_add(self.fed.saturating_mul(SEARCH_WORK_PER_BYTE));
        let mut budget = allowed.saturating_sub(self.search_work);
        let before = budget;
        let (blocks, proven) = split::split(events, &mut budget);
        self.search_work += before - budget;
        self.log.unproven_splits += u64::from(!proven);
        self.log
            .records
            .extend(blocks.into_iter().map(|(sum, inputs)| HashRecord {
                key: key.to_owned(),
                inputs,
                sum,
            }));
    }

    /// A `HASH[testInputs]` line: a bare header opens a block, `"<op> <name> <hash>\n"` is
    /// one input, a 64-hex sum closes the block (a too-new file leaves it open).
    fn test_inputs_line(&mut self, tail: &str, line_no: u64) {
        let blocks = &mut self.log.test_inputs;
        if tail.is_empty() {
            blocks.push(TestInputsBlock::default());
            return;
        }
        let Some(value) = tail.strip_prefix(": ") else {
            self.malformed(line_no);
            return;
        };
        if blocks.last().is_none_or(|b| b.sum.is_some()) {
            blocks.push(TestInputsBlock::default());
        }
        let Some(block) = blocks.last_mut() else {
            return;
        };
        if value.starts_with('"') {
            let Some(input) = unquote_lossy(value) else {
                self.malformed(line_no);
                return;
            };
            let input = input.trim_end_matches('\n');
            if let Some((op, rest)) = input.split_once(' ')
                && let Some((name, hash)) = rest.rsplit_once(' ')
            {
                block.inputs.push(TestInput {
                    op: op.to_owned(),
                    name: name.to_owned(),
                    hash: hash.to_owned(),
                });
            }
        } else if value.len() == 64 && value.bytes().all(|c| c.is_ascii_hexdigit()) {
            block.sum = Some(value.to_owned());
        } else {
            self.malformed(line_no);
        }
    }

    fn malformed(&mut self, line_no: u64) {
        self.log.malformed += 1;
        self.log.first_malformed_line.get_or_insert(line_no);
    }

    pub fn finish(mut self) -> HashLog {
        // Blocks never finished (a cut log), in key order so the result is deterministic.
        let mut open: Vec<(String, Open)> = std::mem::take(&mut self.open).into_iter().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, o) in open {
            match o {
                Open::One(record) => self.log.records.push(record),
                Open::Group { events, .. } => self.split_group(&key, events),
            }
        }
        // `go test` compiles the package under test twice under the same key `build P`:
        // plain, and with its _test.go files. Go names the latter `P [P.test]` everywhere
        // else, so a record that hashes _test.go files, beside one of its key that does not,
        // gets that key.
        // Per key: (records, whether one hashes no _test.go file).
        let mut plain: HashMap<&str, (usize, bool)> = HashMap::new();
        for r in &self.log.records {
            let e = plain.entry(r.key.as_str()).or_default();
            e.0 += 1;
            e.1 |= !r.has_test_files();
        }
        let renamed: Vec<usize> = self
            .log
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.has_test_files()
                    && plain
                        .get(r.key.as_str())
                        .is_some_and(|&(n, one_plain)| n > 1 && one_plain)
            })
            .map(|(i, _)| i)
            .collect();
        for i in renamed {
            let key = test_variant_key(&self.log.records[i].key);
            self.log.records[i].key = key;
        }
        self.log
    }
}

/// `build P` → `build P [P.test]`.
fn test_variant_key(key: &str) -> String {
    let package = key.split_once(' ').map_or(key, |(_, p)| p);
    format!("{key} [{package}.test]")
}

impl HashRecord {
    fn has_test_files(&self) -> bool {
        self.inputs
            .iter()
            .any(|i| i.starts_with("file ") && i.contains("_test.go "))
    }

    /// The action ID as the action graph prints it (`buildid.HashToString`: the first 15
    /// bytes of the sum in URL-safe base64, `cmd/internal/buildid/buildid.go`).
    pub fn action_id(&self) -> Option<String> {
        const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let hex = self.sum.as_deref()?;
        let bytes: Vec<u8> = (0..15)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        let mut out = String::with_capacity(20);
        for chunk in bytes.chunks(3) {
            let v = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
            for shift in [18, 12, 6, 0] {
                out.push(char::from(B64[((v >> shift) & 0x3f) as usize]));
            }
        }
        Some(out)
    }
}

/// The `]` that closes the key. Keys may contain brackets themselves
/// (`build fmt [fmt.test]`), so it is the `]` followed by `:` or the end of the line.
fn key_end(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    memchr::memchr_iter(b']', bytes)
        .find(|&i| bytes[i + 1..].starts_with(b": "))
        .or_else(|| rest.ends_with(']').then(|| rest.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> HashLog {
        let mut b = HashLogBuilder::default();
        for (i, line) in text.lines().enumerate() {
            b.feed(line, i as u64 + 1);
        }
        b.finish()
    }

    #[test]
    fn groups_interleaved_keys_and_test_variants() {
        let log = parse(concat!(
            "HASH[build fmt]\n",
            "HASH[build fmt [fmt.test]]\n",
            "HASH[build fmt]: \"go1.27.3\"\n",
            "HASH[build fmt [fmt.test]]: \"compile\\n\"\n",
            "some compiler chatter\n",
            "HASH[build fmt]: \"import \\\"fmt\\\"\\n\"\n",
            "HASH /src/fmt/print.go: 4ba1\n",
            "HASH[build fmt]: 667ec719478996c8daf58a648889bd21a85b0162e7019a56e59ed98008949c32\n",
            "HASH[moduleIndex]: \"modroot /x\\n\"\n",
        ));
        let fmt = &log.record("build fmt").unwrap();
        assert_eq!(fmt.inputs, vec!["go1.27.3", "import \"fmt\"\n"]);
        assert!(fmt.sum.is_some());
        assert_eq!(
            log.record("build fmt [fmt.test]").unwrap().inputs,
            vec!["compile\n"]
        );
        assert!(log.record("moduleIndex").is_none());
        assert_eq!(log.incomplete(), 1);
        assert_eq!(log.malformed, 0);
    }

    #[test]
    fn computes_the_action_graph_action_id_from_the_sum() {
        let log = parse(
            "HASH[build x]: 667ec719478996c8daf58a648889bd21a85b0162e7019a56e59ed98008949c32\n",
        );
        // Real pair: the action graph showed this sum's ActionID as Zn7HGUeJlsja9YpkiIm9.
        assert_eq!(
            log.record("build x").unwrap().action_id().as_deref(),
            Some("Zn7HGUeJlsja9YpkiIm9")
        );
    }

    #[test]
    fn separates_the_test_variant_hashed_under_the_same_key() {
        let log = parse(concat!(
            "HASH[build m]\nHASH[build m]: \"file m.go A\\n\"\n",
            "HASH[build m]\nHASH[build m]: \"file m.go A\\n\"\nHASH[build m]: \"file m_test.go B\\n\"\n",
        ));
        assert_eq!(log.record("build m").unwrap().inputs.len(), 1);
        assert_eq!(log.record("build m [m.test]").unwrap().inputs.len(), 2);
    }

    #[test]
    fn counts_malformed_lines_without_failing() {
        let log = parse("HASH[build x\nHASH[build x]: \"unterminated\\\nHASH[build x]: zz\n");
        assert_eq!(log.malformed, 3);
        assert_eq!(log.first_malformed_line, Some(1));
    }

    #[test]
    fn keeps_test_inputs_blocks_apart_and_never_an_env_value() {
        let log = parse(concat!(
            "HASH[testInputs]\n",
            "HASH[testInputs]: \"go1.27.3\"\n",
            "HASH[getenv]\n",
            "HASH[getenv]: \"\\x01\"\n",
            "HASH[getenv]: \"s3cr3t\"\n",
            "HASH[getenv]: 03baa8ec10e7f0dc2f24ccb9fb05b89f0363b88b0c9861a26a80dcccb444a7f4\n",
            "HASH[testInputs]: \"env TOKEN 03baa8ec10e7f0dc2f24ccb9fb05b89f0363b88b0c9861a26a80dcccb444a7f4\\n\"\n",
            "HASH[testInputs]: 589da0aa767647d5b624e7bb531152b146201ae416b24d4471575943da1c8731\n",
            "HASH[testInputs]\n",
            "HASH[testInputs]: \"go1.27.3\"\n",
        ));
        assert!(log.records.is_empty());
        assert_eq!(log.test_inputs.len(), 2);
        let b = &log.test_inputs[0];
        assert_eq!(
            (b.inputs[0].op.as_str(), b.inputs[0].name.as_str()),
            ("env", "TOKEN")
        );
        assert_eq!(b.sum.as_deref().map(|s| &s[..4]), Some("589d"));
        assert!(log.test_inputs[1].sum.is_none());
        assert!(!format!("{log:?}").contains("s3cr3t"));
    }

    #[test]
    fn leaves_other_lines_to_other_parsers() {
        let mut b = HashLogBuilder::default();
        assert!(!b.feed("WORK=/tmp/go-build1", 1));
        assert!(!b.feed("HASHES are fun", 2));
        assert!(b.feed("HASH subkey 66 \"srcfiles\" = 1c", 3));
    }
}
