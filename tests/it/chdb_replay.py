#!/usr/bin/env python3
"""Replays a ClickHouse history store's statements on a current ClickHouse engine (chdb).

Usage: chdb_replay.py LOG

LOG is what `GOATTRIB_HISTORY_SQL_LOG=LOG goattrib ... --store clickhouse://...` wrote: one
JSON line per statement, with the data of each insert (`body`) and the rows the old server
returned for each SELECT (`rows`). Every statement runs again, in order, in one chdb session;
each SELECT's rows must equal the old server's. Prints one line per disagreement and a
summary; exits 1 when any statement failed or disagreed.

Not compared: the store's size (`system.parts`, engine-specific) and the whole sorted arrays
of the percentile queries (ties may come in another order); their picked values are, as
num / den (what the dashboard divides), not as the float the server prints.
"""

import json
import re
import sys
import tempfile

import chdb
import chdb.session


def norm(v):
    """JSON numbers as ClickHouse may quote them (64-bit integers as strings)."""
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
        return int(v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def comparable(row):
    out = {}
    for k, v in row.items():
        if k == "sorted":
            continue
        if re.fullmatch(r"p\d+", k) and isinstance(v, list) and v:
            # The value as the dashboard computes it, num / den: the float the old server
            # prints can differ in its last digit (0.9552238805970148 vs …149 on chdb).
            v = norm(v[1]) / norm(v[2]) if norm(v[2]) else None
        out[k] = norm(v)
    return out


def main():
    log = sys.argv[1]
    entries = [json.loads(l) for l in open(log) if l.strip()]
    entries = [e for e in entries if e.get("store") == "clickhouse"]
    work = tempfile.mkdtemp(prefix="goattrib-chdb-")
    sess = chdb.session.Session(work)
    checked = failed = 0
    for e in entries:
        sql = e["sql"]
        try:
            if "body" in e:
                sess.query(sql + "\n" + e["body"])
            elif "rows" in e:
                if "system.parts" in sql:
                    continue
                res = sess.query(sql, "JSONEachRow")
                text = res.bytes().decode() if hasattr(res, "bytes") else str(res)
                got = [comparable(json.loads(l)) for l in text.splitlines() if l.strip()]
                want = [comparable(r) for r in e["rows"]]
                checked += 1
                if got != want:
                    failed += 1
                    print(f"DIFFERENT: {' '.join(sql.split())[:300]}")
                    pairs = [(w, g) for w, g in zip(want, got) if w != g]
                    w, g = pairs[0] if pairs else (len(want), len(got))
                    print(f"  old server: {json.dumps(w)[:600]}")
                    print(f"  chdb:       {json.dumps(g)[:600]}")
            else:
                sess.query(sql)
        except Exception as err:  # chdb raises its own error types
            failed += 1
            print(f"FAILED: {' '.join(sql.split())[:300]}\n  {str(err).splitlines()[0][:500]}")
    print(f"chdb {chdb.__version__}: {checked} SELECTs compared, {failed} failed or different")
    sys.exit(1 if failed or not checked else 0)


if __name__ == "__main__":
    main()
