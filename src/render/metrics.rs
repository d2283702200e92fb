//! `metrics.txt`: the headline numbers in the OpenMetrics text format, for GitLab's
//! `artifacts:reports:metrics` (the merge request shows how each changed against the target
//! branch). Only numbers a pipeline would chart; the report itself is `report.json`.
//!
//! Rules followed (OpenMetrics 1.0, "Text format"): metric names match
//! `[a-zA-Z_:][a-zA-Z0-9_:]*`; each family has one `# TYPE` line, then `# UNIT` / `# HELP`,
//! then its samples, and families are not interleaved; a family with a unit has a name ending
//! in `_<unit>`; gauges do not use the reserved suffixes (`_total`, `_count`...); label values
//! escape `\`, `"` and newline; the exposition ends with `# EOF`.

use std::fmt::Write;

use crate::model::Report;

/// One metric family.
struct Family<'a> {
    name: &'a str,
    unit: Option<&'a str>,
    help: &'a str,
    /// `(labels, value)`; labels are `(name, value)` pairs.
    samples: Vec<(Vec<(&'a str, &'a str)>, f64)>,
}

/// `metrics.txt` of the report folder, for `artifacts:reports:metrics`.
pub struct OpenMetrics;

impl crate::render::Render<Report> for OpenMetrics {
    fn file_name(&self) -> &'static str {
        "metrics.txt"
    }

    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        Ok(write(report).into_bytes())
    }
}

/// The OpenMetrics exposition of `report`.
pub fn write(report: &Report) -> String {
    let s = &report.summary;
    let p = &s.packages;
    let mut families = vec![
        Family {
            name: "goattrib_cache_hit_ratio",
            unit: None,
            help: "Fraction of package compiles served from the Go build cache.",
            samples: p.hit_rate.map(|r| (vec![], r)).into_iter().collect(),
        },
        Family {
            name: "goattrib_cache_misses",
            unit: None,
            help: "Package compiles that missed the Go build cache.",
            samples: vec![(vec![], p.misses as f64)],
        },
        Family {
            name: "goattrib_cache_hits",
            unit: None,
            help: "Package compiles served from the Go build cache.",
            samples: vec![(vec![], p.hits as f64)],
        },
        Family {
            name: "goattrib_build_wall_seconds",
            unit: Some("seconds"),
            help: "Wall time of the Go command.",
            samples: report
                .build
                .wall_ms
                .map(|ms| (vec![], ms / 1000.0))
                .into_iter()
                .collect(),
        },
        Family {
            name: "goattrib_critical_path_seconds",
            unit: Some("seconds"),
            help: "Length of the longest chain of dependent actions.",
            samples: vec![(vec![], s.critical_path_ms / 1000.0)],
        },
    ];
    // Per cause kind, summed over the origins `causes` splits them into.
    let mut per_kind: Vec<(&str, f64)> = Vec::new();
    for c in &report.causes {
        match per_kind.iter_mut().find(|(k, _)| *k == c.kind.as_str()) {
            Some((_, t)) => *t += c.time_ms,
            None => per_kind.push((c.kind.as_str(), c.time_ms)),
        }
    }
    per_kind.sort_by(|a, b| a.0.cmp(b.0));
    families.push(Family {
        name: "goattrib_miss_seconds",
        unit: Some("seconds"),
        help: "Time spent in actions that missed the Go build cache, by root cause.",
        samples: per_kind
            .into_iter()
            .map(|(k, ms)| (vec![("cause", k)], ms / 1000.0))
            .collect(),
    });
    if let Some(t) = &report.tests {
        families.push(Family {
            name: "goattrib_test_cache_rate",
            unit: None,
            help: "Fraction of test packages whose result was replayed from the Go test cache.",
            samples: t.cache_rate.map(|r| (vec![], r)).into_iter().collect(),
        });
        families.push(Family {
            name: "goattrib_tests_ran",
            unit: None,
            help: "Test packages that ran instead of replaying a cached result.",
            samples: vec![(vec![], t.ran as f64)],
        });
    }
    if let Some(m) = &report.module_cache {
        families.push(Family {
            name: "goattrib_modules_downloaded",
            unit: None,
            help: "Module versions downloaded into GOMODCACHE by the Go command.",
            samples: vec![(vec![], m.downloaded as f64)],
        });
    }
    let mut out = String::new();
    for f in &families {
        let _ = writeln!(out, "# TYPE {} gauge", f.name);
        if let Some(unit) = f.unit {
            let _ = writeln!(out, "# UNIT {} {unit}", f.name);
        }
        let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(f.help));
        for (labels, value) in &f.samples {
            if !value.is_finite() {
                continue;
            }
            out.push_str(f.name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (name, v)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{name}=\"{}\"", escape_label(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", number(*value));
        }
    }
    out.push_str("# EOF\n");
    out
}

/// A finite float as OpenMetrics writes it: Rust's shortest round-trip decimal, which
/// never uses an exponent or a locale.
fn number(v: f64) -> String {
    // Round to a microsecond-ish precision so noise does not fill the file.
    let v = (v * 1e6).round() / 1e6;
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Label values escape backslash, double quote and line feed.
fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// HELP text escapes backslash and line feed.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.4058), "0.4058");
        assert_eq!(number(0.940298507462686), "0.940299");
    }
}
