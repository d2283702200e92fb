//! `go env -json`: the toolchain and platform a build ran with.

use std::collections::BTreeMap;

/// The variables of `go env -json`, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoEnv {
    pub vars: BTreeMap<String, String>,
}

impl GoEnv {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

pub fn parse(bytes: &[u8]) -> Result<GoEnv, serde_json::Error> {
    let raw: BTreeMap<String, serde_json::Value> = serde_json::from_slice(bytes)?;
    let vars = raw
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect();
    Ok(GoEnv { vars })
}

/// A `go env -json` document is one object with `GOROOT`-style upper-case keys.
pub(crate) fn sniff(head: &str) -> bool {
    head.starts_with('{')
        && (head.contains("\"GOROOT\"")
            || head.contains("\"GOVERSION\"")
            || head.contains("\"GOARCH\""))
        && !head.contains("\"Path\"")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_variables() {
        let env = super::parse(
            br#"{"GOARCH":"amd64","GOVERSION":"go1.27.3","CGO_ENABLED":"1","GOAMD64":""}"#,
        )
        .unwrap();
        assert_eq!(env.get("GOVERSION"), Some("go1.27.3"));
        assert_eq!(env.get("GOAMD64"), None);
        assert!(super::parse(b"{\"GOARCH\":").is_err());
    }
}
