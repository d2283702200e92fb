#!/usr/bin/env python3
"""Seeds the fuzzers' corpora (fuzz/corpus/<target>/) from the real captures under
fixtures/: whole small files, and big ones cut into slices (line windows for the line
formats, the first actions/events for the JSON ones), so each seed stays small and fast.
The corpora are not committed; run `bash fuzz/seed.sh` (run.sh does it when one is empty)."""

import glob
import gzip
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 64 * 1024


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def put(target, data):
    if not data.strip():
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def windows(data, lines_per, limit=40, keep=None):
    """Consecutive slices of `lines_per` lines (at most `limit` of them), each under MAX_SEED."""
    lines = data.split(b"\n")
    if keep is not None:
        lines = [l for l in lines if keep(l)]
    out = []
    for i in range(0, len(lines), lines_per):
        chunk = b"\n".join(lines[i : i + lines_per]) + b"\n"
        out.append(chunk[:MAX_SEED])
        if len(out) >= limit:
            break
    return out


def fixtures(pattern):
    return sorted(glob.glob(os.path.join(ROOT, "fixtures", pattern), recursive=True))


def seed_go_output():
    for f in fixtures("scenarios/*/build.jsonl.gz") + fixtures("scenarios/*/build.stderr.gz"):
        for w in windows(read(f), 120, limit=6):
            put("go_output", w)
    # A build and its baseline, split at a NUL as `fuzzing::go_output` reads them.
    for a, b in [("warm", "edit-propagates"), ("cold", "warm"), ("test-cached", "test-edit")]:
        x = read(os.path.join(ROOT, "fixtures/scenarios", a, "build.stderr.gz"))[:MAX_SEED // 2]
        y = read(os.path.join(ROOT, "fixtures/scenarios", b, "build.stderr.gz"))[:MAX_SEED // 2]
        put("go_output", x + b"\0" + y)


def seed_hashlog():
    for f in fixtures("scenarios/*/build.stderr.gz"):
        for w in windows(read(f), 200, limit=4, keep=lambda l: l.startswith(b"HASH")):
            put("hashlog", w)


def seed_testcache():
    wanted = (b"testcache: ", b"ok  \t", b"FAIL", b"?   \t", b"go: downloading ", b"# get ")
    for f in fixtures("scenarios/*/build.*.gz") + fixtures("scenarios/.caches/*.gz"):
        for w in windows(read(f), 60, limit=4, keep=lambda l: l.startswith(wanted)):
            put("testcache", w)


def seed_action_graph():
    for f in fixtures("scenarios/*/actiongraph.json.gz"):
        try:
            graph = json.loads(read(f))
        except ValueError:
            continue
        for n in (8, 40):
            part = [a for a in graph if a.get("ID", 0) < n]
            for a in part:
                a["Deps"] = [d for d in a.get("Deps") or [] if d < n]
            put("action_graph", json.dumps(part).encode()[:MAX_SEED])


def seed_debug_trace():
    for f in fixtures("scenarios/*/trace.json.gz")[:12]:
        try:
            events = json.loads(read(f))
        except ValueError:
            continue
        events = events.get("traceEvents", events) if isinstance(events, dict) else events
        for n in (20, 200):
            put("debug_trace", json.dumps(events[:n] + events[-4:]).encode()[:MAX_SEED])


def seed_gitlab_trace():
    logs = fixtures("joined/**/*job.log.gz") + fixtures("scenarios/.caches/*.job.log.gz")
    logs += sorted(glob.glob("/work/shared/gitlab-traces/*.log"))
    for f in logs:
        data = read(f)
        put("gitlab_trace", data[:MAX_SEED])
        for w in windows(data, 80, limit=4):
            put("gitlab_trace", w)


def seed_manifest():
    for f in fixtures("scenarios/*/manifest.json.gz"):
        data = read(f)
        if len(data) <= 4 * MAX_SEED:
            put("manifest", data)
    # Small manifests: a real one with its tables cut down keeps every field's shape.
    for f in fixtures("scenarios/*/manifest.json.gz")[:6]:
        m = json.loads(read(f))
        for k, v in list(m.items()):
            if isinstance(v, list) and len(v) > 12:
                m[k] = v[:12]
        put("manifest", json.dumps(m).encode())


def seed_pprof():
    for f in fixtures("profiles/**/*.pprof") + fixtures("profiles/**/*.cpuprof"):
        data = open(f, "rb").read()
        if len(data) <= 4 * MAX_SEED:
            put("pprof", data)


def seed_otlp():
    for f in fixtures("profiles/**/*.otlp.jsonl"):
        for w in windows(read(f), 1, limit=20):
            put("otlp", w)
        put("otlp", read(f)[:MAX_SEED])


TARGETS = {
    "go_output": seed_go_output,
    "hashlog": seed_hashlog,
    "testcache": seed_testcache,
    "action_graph": seed_action_graph,
    "debug_trace": seed_debug_trace,
    "gitlab_trace": seed_gitlab_trace,
    "manifest": seed_manifest,
    "pprof": seed_pprof,
    "otlp": seed_otlp,
}

if __name__ == "__main__":
    for t in sys.argv[1:] or TARGETS:
        TARGETS[t]()
        d = os.path.join(OUT, t)
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        print(f"{t}: {n} seeds in {d}")
