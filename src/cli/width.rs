//! How wide the tables are: `--width`, else `COLUMNS`, else the terminal's, else 120 (a CI
//! log has no terminal; GitLab's log view wraps rows longer than its pane badly). `--wide`
//! turns folding off.

use std::io::IsTerminal;

/// Width when stdout is not a terminal and `COLUMNS` is unset.
const NOT_A_TERMINAL: u16 = 120;

/// The table width to render at; `None` = as wide as the longest cell (`--wide`).
pub(crate) fn table_width(width: Option<u16>, wide: bool) -> Option<u16> {
    if wide {
        return None;
    }
    width
        .or_else(|| columns(std::env::var("COLUMNS").ok().as_deref()))
        .or_else(|| {
            std::io::stdout()
                .is_terminal()
                .then(|| comfy_table::Table::new().width())
                .flatten()
        })
        .or(Some(NOT_A_TERMINAL))
}

/// `COLUMNS` as a usable width (shells export junk or 0 sometimes: ignore it then).
fn columns(v: Option<&str>) -> Option<u16> {
    v?.trim().parse::<u16>().ok().filter(|w| *w >= 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_is_read_only_when_sane() {
        assert_eq!(columns(Some("100")), Some(100));
        assert_eq!(columns(Some(" 80\n")), Some(80));
        assert_eq!(columns(Some("0")), None);
        assert_eq!(columns(Some("wide")), None);
        assert_eq!(columns(None), None);
        assert_eq!(table_width(None, true), None);
        assert_eq!(table_width(Some(90), false), Some(90));
    }
}
