//! `go list -m -json [all]`: the module list, a stream of concatenated JSON objects.

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GoModule {
    pub path: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub main: bool,
    #[serde(default)]
    pub dir: Option<String>,
    #[serde(default)]
    pub go_version: Option<String>,
    #[serde(default)]
    pub replace: Option<Box<GoModule>>,
}

/// Parses the whole stream; stops at the first malformed object and returns what came
/// before it together with the error, so a truncated list still serves.
pub fn parse(bytes: &[u8]) -> (Vec<GoModule>, Option<serde_json::Error>) {
    let mut modules = Vec::new();
    for item in serde_json::Deserializer::from_slice(bytes).into_iter::<GoModule>() {
        match item {
            Ok(m) => modules.push(m),
            Err(e) => return (modules, Some(e)),
        }
    }
    (modules, None)
}

pub(crate) fn sniff(head: &str) -> bool {
    head.starts_with('{') && head.contains("\"Path\"") && !head.contains("\"ImportPath\"")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_concatenated_objects() {
        let (mods, err) = super::parse(
            b"{\"Path\":\"example.com/shop\",\"Main\":true,\"GoVersion\":\"1.22\"}\n{\"Path\":\"example.org/fmtx\",\"Version\":\"v1.1.0\"}\n{\"Path\":",
        );
        assert_eq!(mods.len(), 2);
        assert!(mods[0].main);
        assert_eq!(mods[1].version.as_deref(), Some("v1.1.0"));
        assert!(err.is_some());
    }
}
