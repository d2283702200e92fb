//! One fixed colour per cause kind, used by every chart, table and page, so a colour means
//! the same thing everywhere.
//!
//! The colours are Paul Tol's "muted" scheme plus Okabe–Ito's vermillion and blue, both
//! designed to stay distinguishable under the common colour-vision deficiencies. Charts
//! still label what they colour: colour is never the only carrier of meaning.

use crate::model::CauseKind;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for CSS and SVG attributes.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The colour of a miss with this cause.
pub fn cause(kind: CauseKind) -> Rgb {
    match kind {
        CauseKind::Toolchain => Rgb(0x33, 0x22, 0x88), // indigo
        CauseKind::Platform => Rgb(0x88, 0xcc, 0xee),  // cyan
        CauseKind::Env => Rgb(0x44, 0xaa, 0x99),       // teal
        CauseKind::Flags => Rgb(0x11, 0x77, 0x33),     // green
        CauseKind::GoDirective => Rgb(0x99, 0x99, 0x33), // olive
        CauseKind::Workdir => Rgb(0xdd, 0xcc, 0x77),   // sand
        CauseKind::Pgo => Rgb(0xee, 0x77, 0x33),       // orange
        CauseKind::Source => Rgb(0xcc, 0x66, 0x77),    // rose
        CauseKind::Vcs => Rgb(0xee, 0x99, 0xaa),       // pink
        CauseKind::Dependency => Rgb(0xaa, 0x44, 0x99), // purple
        CauseKind::Evicted => Rgb(0x88, 0x22, 0x55),   // wine
        CauseKind::CacheNotRestored => Rgb(0xd5, 0x5e, 0x00), // vermillion
        CauseKind::NotCached => Rgb(0xbb, 0xbb, 0xbb), // light grey
        CauseKind::New => Rgb(0x00, 0x72, 0xb2),       // blue
        CauseKind::Cold => Rgb(0x44, 0x77, 0xaa),      // steel blue
        CauseKind::Unknown => Rgb(0x66, 0x66, 0x66),   // dark grey
    }
}

/// A cache hit: faint, so misses stand out.
pub const HIT: Rgb = Rgb(0xe4, 0xe4, 0xe4);
/// A miss whose cause is not known (no baseline, no hash inputs).
pub const MISS_UNATTRIBUTED: Rgb = Rgb(0x66, 0x66, 0x66);
/// Outlines and text.
pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_its_own_colour() {
        let mut seen = std::collections::HashSet::new();
        for kind in CauseKind::ALL {
            assert!(seen.insert(cause(kind)), "{kind} shares a colour");
            assert_ne!(cause(kind), HIT, "{kind} looks like a hit");
        }
    }
}
