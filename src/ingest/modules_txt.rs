//! `vendor/modules.txt`: the vendored modules, their versions and packages.
//!
//! Written by `cmd/go/internal/modcmd/vendor.go`: `# <path> <version>[ => <replacement>]`
//! opens a module, `## explicit[; go 1.N]` annotates it, other lines are its packages.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendoredModule {
    pub path: String,
    pub version: String,
    pub packages: Vec<String>,
}

pub fn parse(text: &str) -> Vec<VendoredModule> {
    let mut modules: Vec<VendoredModule> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.split_whitespace();
            let (Some(path), version) = (words.next(), words.next()) else {
                continue;
            };
            // `# a/b => ./local` (a replacement without a version) keeps the arrow as version.
            modules.push(VendoredModule {
                path: path.to_owned(),
                version: version
                    .filter(|v| *v != "=>")
                    .unwrap_or_default()
                    .to_owned(),
                packages: Vec::new(),
            });
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        } else if let Some(m) = modules.last_mut() {
            m.packages.push(line.trim().to_owned());
        }
    }
    modules
}

pub(crate) fn sniff(head: &str) -> bool {
    let mut lines = head.lines();
    lines
        .next()
        .is_some_and(|l| l.starts_with("# ") && l.split_whitespace().count() >= 3)
        && lines
            .next()
            .is_none_or(|l| l.starts_with("## ") || l.starts_with("# ") || !l.contains(' '))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_modules_and_packages() {
        let m = super::parse(
            "# example.org/fmtx v1.1.0\n## explicit; go 1.20\nexample.org/fmtx\nexample.org/fmtx/inner\n# a/b => ./b\n",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].version, "v1.1.0");
        assert_eq!(
            m[0].packages,
            vec!["example.org/fmtx", "example.org/fmtx/inner"]
        );
        assert_eq!(m[1].version, "");
        assert!(super::sniff("# example.org/fmtx v1.1.0\n## explicit\n"));
    }
}
