//! `-debug-actiongraph=FILE`: the Go command's own action graph, written when the build ends.
//!
//! Shape from `cmd/go/internal/work/action.go` (`actionGraphJSON`, `actionJSON`). Go flags the
//! format as unstable, so every field but `ID` and `Mode` is optional here and unknown fields
//! are ignored. The miss signal is `Cmd` non-null: the action ran its tool (see GO-SIGNALS.md).
//! Only what analysis reads is decoded: the command lines (most of the file's bytes), the
//! object directories, build IDs and ready times are skipped unread.

use serde::Deserialize;

use super::timestamp::parse_rfc3339_nanos;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAction {
    #[serde(rename = "ID")]
    id: u64,
    mode: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    deps: Option<Vec<u64>>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    built: Option<String>,
    #[serde(default, rename = "ActionID")]
    action_id: Option<String>,
    #[serde(default)]
    time_start: Option<String>,
    #[serde(default)]
    time_done: Option<String>,
    /// Whether the action ran its tool; what it ran is skipped, not decoded.
    #[serde(default)]
    cmd: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    cmd_user: Option<i64>,
    #[serde(default)]
    cmd_sys: Option<i64>,
    #[serde(default)]
    failed: Option<serde_json::Value>,
}

/// One node of the Go action graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphAction {
    pub id: u64,
    pub mode: String,
    pub package: String,
    pub deps: Vec<u64>,
    pub target: Option<String>,
    pub built: Option<String>,
    pub action_id: Option<String>,
    /// Nanoseconds since the Unix epoch; `None` for Go's zero time.
    pub time_start_ns: Option<i64>,
    pub time_done_ns: Option<i64>,
    /// `Cmd` was not null: the action ran its tool (a cache miss).
    pub ran_tool: bool,
    pub cmd_user_ns: Option<i64>,
    pub cmd_sys_ns: Option<i64>,
    pub failed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ActionGraph {
    pub actions: Vec<GraphAction>,
}

/// Parses a whole action graph document. The error carries serde's line and column.
pub fn parse(bytes: &[u8]) -> Result<ActionGraph, serde_json::Error> {
    let raw: Vec<RawAction> = serde_json::from_slice(bytes)?;
    let actions = raw
        .into_iter()
        .map(|r| GraphAction {
            id: r.id,
            ran_tool: r.cmd.is_some(),
            mode: r.mode,
            package: r.package,
            deps: r.deps.unwrap_or_default(),
            target: r.target,
            built: r.built,
            action_id: r.action_id,
            time_start_ns: r.time_start.as_deref().and_then(parse_rfc3339_nanos),
            time_done_ns: r.time_done.as_deref().and_then(parse_rfc3339_nanos),
            cmd_user_ns: r.cmd_user,
            cmd_sys_ns: r.cmd_sys,
            // Older Go wrote `"Failed": true`; newer Go may write the failed action.
            failed: r.failed.is_some_and(|v| {
                !matches!(v, serde_json::Value::Null | serde_json::Value::Bool(false))
            }),
        })
        .collect();
    Ok(ActionGraph { actions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_tolerates_missing_ones() {
        let g = parse(
            br#"[{"ID":0,"Mode":"build","Package":"fmt","Deps":[1],"TimeStart":"2026-11-25T12:44:36.791856249Z",
                 "TimeDone":"0001-01-01T00:00:00Z","Cmd":["compile -p fmt"],"CmdReal":10,"Extra":1},
                {"ID":1,"Mode":"build check cache","Cmd":null,"Failed":true}]"#,
        )
        .unwrap();
        assert_eq!(g.actions.len(), 2);
        let fmt = &g.actions[0];
        assert!(fmt.ran_tool);
        assert_eq!(fmt.time_start_ns, Some(1_795_610_676_791_856_000));
        assert_eq!(fmt.time_done_ns, None);
        assert!(!g.actions[1].ran_tool);
        assert!(g.actions[1].failed);
    }

    /// The command lines are skipped unread, but an empty list still says the tool ran,
    /// and a broken one is still an error.
    #[test]
    fn commands_are_skipped_yet_say_the_tool_ran() {
        let g = parse(
            br#"[{"ID":0,"Mode":"link","Cmd":[],"Objdir":"/tmp/b001/"},
                           {"ID":1,"Mode":"build","Cmd":["compile -X \"main.k=\u00e9\\\"\""]}]"#,
        )
        .unwrap();
        assert!(g.actions.iter().all(|a| a.ran_tool));
        assert!(parse(br#"[{"ID":0,"Mode":"build","Cmd":["compile"}]"#).is_err());
    }

    #[test]
    fn truncated_graph_is_an_error_with_position() {
        let err = parse(br#"[{"ID":0,"Mode":"bu"#).unwrap_err();
        assert_eq!(err.line(), 1);
        assert!(err.column() > 0);
    }
}
