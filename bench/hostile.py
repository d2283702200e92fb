#!/usr/bin/env python3
"""Writes the hostile inputs of bench/hostile.sh (crafted, not Go's output: they stand for
what a merge request can make a job print or leave in its bundle).

  python3 bench/hostile.py DIR [NESTED] [FANIN] [CHAIN]

- DIR/nested.log: a GitLab job log with NESTED (50,000) nested `section_start`s inside
  step_script, as many stray `section_end`s, then 150,000 script lines.
- DIR/fanin-base/, DIR/fanin-head/: bundles (actiongraph.json + build.stderr hash log) of
  FANIN (5,000) leaf packages whose source changed, one hub importing all of them and a
  chain of CHAIN (5,000) packages above the hub: every chain package's dependency cause
  has FANIN origins.
"""
import base64
import hashlib
import json
import os
import sys

out = sys.argv[1]
nested = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
fanin = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
chain = int(sys.argv[4]) if len(sys.argv) > 4 else 5_000
os.makedirs(out, exist_ok=True)

T = 1_700_000_000
with open(os.path.join(out, "nested.log"), "wb") as f:
    w = f.write
    w(b"Running with gitlab-runner 17.0.0 (abcdef12)\n  on hostile runner\n")
    w(b"\x1b[0Ksection_start:%d:step_script\r\x1b[0K$ go build ./...\n" % T)
    for i in range(nested):
        w(b"\x1b[0Ksection_start:%d:s%d\r\x1b[0K\n" % (T + 1, i))
    for i in range(nested):
        w(b"\x1b[0Ksection_end:%d:never_started_%d\r\x1b[0K\n" % (T + 2, i))
    for i in range(150_000):
        w(b"ok  \texample.com/p%d\t0.%03ds\n" % (i, i % 1000))
    w(b"\x1b[0Ksection_end:%d:step_script\r\x1b[0K\nJob succeeded\n" % (T + 9))


def bundle(side):
    d = os.path.join(out, f"fanin-{side}")
    os.makedirs(d, exist_ok=True)
    leaves = [f"example.com/w/leaf{i}" for i in range(fanin)]
    hub = "example.com/w/hub"
    links = [f"example.com/w/c{i}" for i in range(chain)]
    order = leaves + [hub] + links
    deps = {p: [] for p in leaves}
    deps[hub] = leaves
    prev = hub
    for c in links:
        deps[c] = [prev]
        prev = c
    ident = {p: i for i, p in enumerate(order)}
    content = {p: hashlib.sha256(f"{side} {p}".encode()).hexdigest()[:20] for p in order}
    actions, log = [], []
    for p in order:
        lines = ['"go1.27.3"', '"compile\\n"', '"goos linux goarch amd64\\n"',
                 f'"import \\"{p}\\"\\n"']
        if p in deps and p.startswith("example.com/w/leaf"):
            lines.append(f'"file {p.rsplit("/", 1)[1]}.go {content[p]}\\n"')
        for dep in deps[p]:
            lines.append(f'"import {dep} {content[dep]}\\n"')
        final = hashlib.sha256("".join(lines).encode() + side.encode()).hexdigest()
        log.append(f"HASH[build {p}]\n")
        log.extend(f"HASH[build {p}]: {x}\n" for x in lines)
        log.append(f"HASH[build {p}]: {final}\n")
        aid = base64.urlsafe_b64encode(bytes.fromhex(final)[:15]).decode().rstrip("=")
        actions.append({
            "ID": ident[p], "Mode": "build", "Package": p,
            "Deps": [ident[x] for x in deps[p]],
            "BuildID": f"{aid}/{content[p]}",
            "TimeStart": "2026-11-25T13:22:37.000000000Z",
            "TimeDone": "2026-11-25T13:22:37.001000000Z",
            "Cmd": [f"compile -p {p}"],
        })
    with open(os.path.join(d, "actiongraph.json"), "w") as f:
        json.dump(actions, f)
    with open(os.path.join(d, "build.stderr"), "w") as f:
        f.writelines(log)


bundle("base")
bundle("head")
