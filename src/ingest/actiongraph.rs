//! `-debug-actiongraph=FILE`: the Go command's own action graph, written when the build ends.
//!
//! Shape from `cmd/go/internal/work/action.go` (`actionGraphJSON`, `actionJSON`). Go flags the
//! format as unstable, so every field but `ID` and `Mode` is optional here and unknown fields
//! are ignored. The miss signal is `Cmd` non-null: the action ran its tool (see GO-SIGNALS.md).

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
    objdir: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    built: Option<String>,
    #[serde(default, rename = "ActionID")]
    action_id: Option<String>,
    #[serde(default, rename = "BuildID")]
    build_id: Option<String>,
    #[serde(default)]
    time_ready: Option<String>,
    #[serde(default)]
    time_start: Option<String>,
    #[serde(default)]
    time_done: Option<String>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    cmd_real: Option<i64>,
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
    pub objdir: Option<String>,
    pub target: Option<String>,
    pub built: Option<String>,
    pub action_id: Option<String>,
    pub build_id: Option<String>,
    /// Nanoseconds since the Unix epoch; `None` for Go's zero time.
    pub time_ready_ns: Option<i64>,
    pub time_start_ns: Option<i64>,
    pub time_done_ns: Option<i64>,
    /// The tool command lines the action ran; empty when it ran none.
    pub cmd: Vec<String>,
    pub ran_tool: bool,
    pub cmd_real_ns: Option<i64>,
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
            cmd: r.cmd.unwrap_or_default(),
            mode: r.mode,
            package: r.package,
            deps: r.deps.unwrap_or_default(),
            objdir: r.objdir,
            target: r.target,
            built: r.built,
            action_id: r.action_id,
            build_id: r.build_id,
            time_ready_ns: r.time_ready.as_deref().and_then(parse_rfc3339_nanos),
            time_start_ns: r.time_start.as_deref().and_then(parse_rfc3339_nanos),
            time_done_ns: r.time_done.as_deref().and_then(parse_rfc3339_nanos),
            cmd_real_ns: r.cmd_real,
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

    #[test]
    fn truncated_graph_is_an_error_with_position() {
        let err = parse(br#"[{"ID":0,"Mode":"bu"#).unwrap_err();
        assert_eq!(err.line(), 1);
        assert!(err.column() > 0);
    }
}
