#!/usr/bin/env python3
"""Clones a `goattrib history export` file to N jobs for the history benchmark.

Each output job is one of the input jobs (real report rows) with a new job id and a start
time spread over two years before the input's newest job, so a dashboard has ~104 weeks of
N/104 jobs. Seeded: the same N gives the same file. Usage: clone-history.py EXPORT N
"""

import json
import random
import sys

src, n = sys.argv[1], int(sys.argv[2])
jobs = [json.loads(line) for line in open(src) if line.strip()]
end = max(j["job"]["started_at"] for j in jobs)
span = 104 * 7 * 86400
rng = random.Random(14)
out = sys.stdout
for i in range(n):
    j = json.loads(json.dumps(jobs[i % len(jobs)]))
    j["job"]["job_id"] = f"bench#{i}"
    j["job"]["job"] = str(i)
    j["job"]["started_at"] = end - rng.randrange(span)
    out.write(json.dumps(j, separators=(",", ":")) + "\n")
