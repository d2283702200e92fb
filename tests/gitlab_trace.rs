use goattrib::ingest::gitlab_trace::*;
#[test]
#[ignore]
fn dump() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/gitlab-traces");
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "log")).collect();
    names.sort();
    for p in names {
        let t = parse(std::io::BufReader::new(std::fs::File::open(&p).unwrap())).unwrap();
        let mut t2 = t.clone();
        let n = t2.script_lines.len();
        if !p.to_string_lossy().contains("18.7") { t2.script_lines.truncate(3); }
        t2.sections.iter_mut().for_each(|_| ());
        println!("==== {} script_lines={n}", p.display());
        println!("{}", serde_json::to_string(&serde_json::json!({"runner": t2.runner, "executor": t2.executor, "image": t2.image, "build_dir": t2.build_dir, "fresh": t2.fresh_clone, "outcome": t2.outcome, "exit": t2.exit_code, "detail": t2.outcome_detail, "start": t2.start_ms, "end": t2.end_ms, "ts": t2.has_timestamps, "lines": t2.lines, "warnings": t2.warnings})).unwrap());
        for s in &t2.sections { println!("  S {} {:?} {:?} {:?} parent={:?} closed={} l{}-{:?} {:?}", s.name, s.start_ms, s.end_ms, s.duration_ms, s.parent, s.closed, s.start_line, s.end_line, s.options); }
        for c in &t2.cache_ops { println!("  C {}", serde_json::to_string(c).unwrap()); }
        for l in &t2.script_lines { println!("  L {}", serde_json::to_string(l).unwrap()); }
    }
}
