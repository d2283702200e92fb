//! `trace.json`: the build's actions (and the GitLab job's sections) in the Chrome Trace
//! Event Format, to open in ui.perfetto.dev or chrome://tracing. Built with serde_json.
//!
//! Format ("Trace Event Format", Google doc, also what Perfetto's JSON importer reads):
//! an object with `traceEvents`; complete events are `ph: "X"` with `ts` and `dur` in
//! microseconds, `pid`/`tid` integers; `ph: "M"` metadata events named `process_name`,
//! `thread_name` and `thread_sort_index` label the tracks. Events on one thread must nest,
//! so actions are spread over the worker lanes of [`crate::render::lanes::assign`].
//! Not the input trace: Go's own `-debug-trace` is read by `ingest::chrome_trace`.

use serde_json::{Value, json};

use crate::model::Report;
use crate::render::lanes;

const BUILD_PID: u32 = 1;
const JOB_PID: u32 = 2;

/// Microseconds from milliseconds, as an integer where it is exact enough.
fn us(ms: f64) -> f64 {
    (ms * 1000.0).round()
}

/// `trace.json` of the report folder.
pub struct Perfetto;

impl crate::render::Render<Report> for Perfetto {
    fn file_name(&self) -> &'static str {
        "trace.json"
    }

    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        Ok(write(report).into_bytes())
    }
}

pub fn write(report: &Report) -> String {
    let mut events: Vec<Value> = Vec::new();
    let timed: Vec<(usize, f64, f64)> = report
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let (s, d) = (a.start_ms?, a.duration_ms?);
            (s.is_finite() && d.is_finite()).then_some((i, s, d.max(0.0)))
        })
        .collect();
    if !timed.is_empty() {
        let spans: Vec<(f64, f64)> = timed.iter().map(|&(_, s, d)| (s, s + d)).collect();
        let (lane_of, count) = lanes::assign(&spans);
        let name = match &report.build.command {
            Some(c) => format!("Go build: {c}"),
            None => "Go build".to_owned(),
        };
        events.extend(meta_process(BUILD_PID, &name, 0));
        for lane in 0..count {
            events.extend(meta_thread(
                BUILD_PID,
                lane + 1,
                &format!("lane {}", lane + 1),
            ));
        }
        for (k, &(i, start, dur)) in timed.iter().enumerate() {
            let a = &report.actions[i];
            let cache = a.cache.as_str();
            let mut args = json!({
                "id": a.id,
                "cache": cache,
                "module": a.module,
                "on_critical_path": a.on_critical_path,
            });
            if let Some(c) = &a.cause {
                args["cause"] = json!(c.kind.as_str());
                args["cause_detail"] = json!(c.detail);
                if !c.origins.is_empty() {
                    args["origins"] = json!(c.origins);
                }
            }
            if a.failed {
                args["failed"] = json!(true);
            }
            let name = if a.package.is_empty() {
                a.mode.to_string()
            } else {
                format!("{} {}", a.mode, a.package)
            };
            events.push(json!({
                "name": name,
                "cat": cache,
                "ph": "X",
                "pid": BUILD_PID,
                "tid": lane_of.get(k).copied().unwrap_or(0) + 1,
                "ts": us(start),
                "dur": us(dur),
                "args": args,
            }));
        }
    }
    if let Some(job) = &report.job {
        events.extend(meta_process(JOB_PID, "GitLab job", 1));
        events.extend(meta_thread(JOB_PID, 1, "sections"));
        events.extend(meta_thread(JOB_PID, 2, "nested sections"));
        for s in &job.sections {
            let (Some(start), Some(dur)) = (s.start_ms, s.duration_ms) else {
                continue;
            };
            if !(start.is_finite() && dur.is_finite()) {
                continue;
            }
            events.push(json!({
                "name": s.name,
                "cat": "section",
                "ph": "X",
                "pid": JOB_PID,
                "tid": if s.parent.is_some() { 2 } else { 1 },
                "ts": us(start),
                "dur": us(dur.max(0.0)),
                "args": { "parent": s.parent, "closed": s.closed },
            }));
        }
    }
    let doc = json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "generator": "goattrib", "schema": report.schema },
    });
    let mut out = serde_json::to_string(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn meta_process(pid: u32, name: &str, sort: u32) -> [Value; 2] {
    [
        json!({ "name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": { "name": name } }),
        json!({ "name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0, "args": { "sort_index": sort } }),
    ]
}

fn meta_thread(pid: u32, tid: usize, name: &str) -> [Value; 2] {
    [
        json!({ "name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": { "name": name } }),
        json!({ "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid, "args": { "sort_index": tid } }),
    ]
}
