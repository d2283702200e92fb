//! Turns the raw bytes of one trace line into the text GitLab's viewer shows: ANSI
//! escape sequences and other control bytes removed, invalid UTF-8 replaced.
//! Not for `\r` overwriting or section markers: `assemble.rs` handles those first.

use memchr::memchr;

const ESC: u8 = 0x1b;

/// Bytes that end a run of plain text: control bytes but tab, DEL, and (when ESC-less
/// remnants are looked for) `[`. A table: this runs on every byte of a trace.
const SPECIAL: [bool; 256] = special_bytes(false);
const SPECIAL_WITH_REMNANTS: [bool; 256] = special_bytes(true);

const fn special_bytes(remnants: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09;
        b += 1;
    }
    table[0x7f] = true;
    table[b'[' as usize] = remnants;
    table
}

/// Removes ANSI escapes and control bytes from `raw`, appending the rest to `out`.
///
/// When the line holds no ESC byte at all, the ESC-less remnants of the runner's own
/// codes (`[0K`, `[0;m`, `[36;1m`, from `helpers/ansi_colors.go`) are removed too: some
/// saved copies lost every ESC byte (the 18.7 excerpt in the shared fixtures). A line that
/// still has an ESC kept its codes intact, so its `[…m` text is left alone.
pub(crate) fn strip_ansi(raw: &[u8], out: &mut Vec<u8>) {
    let remnants = memchr(ESC, raw).is_none();
    // Plain text is copied in runs; only the bytes that start an escape, a remnant or a
    // control character are looked at one by one.
    let special = if remnants {
        &SPECIAL_WITH_REMNANTS
    } else {
        &SPECIAL
    };
    let mut i = 0;
    while i < raw.len() {
        let rest = raw.get(i..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| special[usize::from(b)])
            .unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        i += run;
        match raw.get(i) {
            None => break,
            Some(&ESC) => i = skip_escape(raw, i),
            Some(b'[') => match remnant_len(raw.get(i..).unwrap_or_default()) {
                Some(n) => i += n,
                None => {
                    out.push(b'[');
                    i += 1;
                }
            },
            // Other control bytes are not shown.
            Some(_) => i += 1,
        }
    }
}

/// Returns the index just past the escape sequence that starts at `start` (an ESC).
fn skip_escape(raw: &[u8], start: usize) -> usize {
    let Some(&kind) = raw.get(start + 1) else {
        return start + 1;
    };
    match kind {
        b'[' => skip_csi(raw, start + 2),
        b']' => skip_osc(raw, start + 2),
        // ESC + intermediate bytes + final byte (charset selection such as `ESC ( B`).
        0x20..=0x2f => {
            let mut j = start + 1;
            while raw.get(j).is_some_and(|b| (0x20..=0x2f).contains(b)) {
                j += 1;
            }
            if raw.get(j).is_some() { j + 1 } else { j }
        }
        _ => start + 2,
    }
}

/// CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
/// A sequence cut short by the end of the line is dropped as far as it goes.
fn skip_csi(raw: &[u8], mut j: usize) -> usize {
    while raw.get(j).is_some_and(|b| (0x30..=0x3f).contains(b)) {
        j += 1;
    }
    while raw.get(j).is_some_and(|b| (0x20..=0x2f).contains(b)) {
        j += 1;
    }
    if raw.get(j).is_some_and(|b| (0x40..=0x7e).contains(b)) {
        j + 1
    } else {
        j
    }
}

/// OSC (hyperlinks, window titles): ends at BEL or at ESC `\`; unterminated runs to the end.
fn skip_osc(raw: &[u8], mut j: usize) -> usize {
    while let Some(&b) = raw.get(j) {
        if b == 0x07 {
            return j + 1;
        }
        if b == ESC {
            return if raw.get(j + 1) == Some(&b'\\') {
                j + 2
            } else {
                j
            };
        }
        j += 1;
    }
    j
}

/// Length of an ESC-less SGR/EL remnant at the start of `s`: `[` + digits and `;` + `m`,
/// or `[` + optional 0–2 + `K`. Anything else (`[always]`, `[0]`, `[m`) is not a remnant.
pub(crate) fn remnant_len(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let params = s
        .get(1..)?
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    let body = s.get(1..1 + params)?;
    match s.get(1 + params)? {
        b'm' if body.first().is_some_and(u8::is_ascii_digit) => Some(params + 2),
        b'K' if body.is_empty() || matches!(body, [b'0'..=b'2']) => Some(params + 2),
        _ => None,
    }
}

/// Cleans `raw` into display text. Sets `*invalid_utf8` when bytes had to be replaced.
pub(crate) fn to_text(raw: &[u8], scratch: &mut Vec<u8>, invalid_utf8: &mut bool) -> String {
    scratch.clear();
    strip_ansi(raw, scratch);
    match std::str::from_utf8(scratch) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            *invalid_utf8 = true;
            String::from_utf8_lossy(scratch).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(raw: &[u8]) -> String {
        let mut bad = false;
        to_text(raw, &mut Vec::new(), &mut bad)
    }

    #[test]
    fn strips_runner_codes() {
        assert_eq!(
            clean(b"\x1b[0K\x1b[0K\x1b[36;1mRestoring cache\x1b[0;m\x1b[0;m"),
            "Restoring cache"
        );
        assert_eq!(clean(b"\x1b[32;1m$ go build .\x1b[0;m"), "$ go build .");
    }

    #[test]
    fn old_runner_reset_at_line_start() {
        // Before 14.2 the reset came after the newline (commit 6247e5aa).
        assert_eq!(
            clean(b"\x1b[0;m\x1b[0K  on gitlab-org-docker ih9XD9p3"),
            "  on gitlab-org-docker ih9XD9p3"
        );
    }

    #[test]
    fn strips_other_escapes_and_controls() {
        assert_eq!(clean(b"a\x1b]8;;http://x\x07link\x1b]8;;\x07b"), "alinkb");
        assert_eq!(clean(b"\x1b(Bx\x1b[?25ly\x07\x08z\tw"), "xyz\tw");
        assert_eq!(clean(b"cut\x1b["), "cut");
        assert_eq!(clean(b"cut\x1b"), "cut");
    }

    #[test]
    fn escless_remnants_only_at_known_shapes() {
        assert_eq!(
            clean(b"[0K[0K[36;1mPreparing the \"docker+machine\" executor[0;m[0;m"),
            "Preparing the \"docker+machine\" executor"
        );
        assert_eq!(
            clean(b"Using effective pull policy of [always] for container golang:1.24[0;m"),
            "Using effective pull policy of [always] for container golang:1.24"
        );
        assert_eq!(clean(b"x[0] = y[12]; [m [K"), "x[0] = y[12]; [m ");
        assert_eq!(remnant_len(b"[0;33mWARNING"), Some(6));
        assert_eq!(remnant_len(b"[3K"), None);
    }

    #[test]
    fn remnant_text_kept_when_real_escapes_exist() {
        assert_eq!(clean(b"\x1b[1marr[1m\x1b[0m"), "arr[1m");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_flagged() {
        let mut bad = false;
        let text = to_text(b"ok \xff\xfe done", &mut Vec::new(), &mut bad);
        assert!(bad);
        assert_eq!(text, "ok \u{fffd}\u{fffd} done");
    }
}
