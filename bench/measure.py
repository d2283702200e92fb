#!/usr/bin/env python3
"""Measurement half of bench/run.sh (stdlib only).

For each head bundle (compared with the cold `base` bundle) it measures, on the same bytes
and in the same run:
  * `wc -l` over every file of both bundles (the report's whole input) and of the head
    bundle alone, best of N, monotonic clock;
  * `goattrib report --baseline base HEAD --format json` and `--format table`, best-of-N
    wall time and the peak RSS of the goattrib process (os.wait4's ru_maxrss, the child's
    own high-water mark, not the cumulative RUSAGE_CHILDREN one);
then prints a table with the targets (report <= 3x wc -l, peak RSS <= 3x input) and writes
the same as JSON.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

MB = 1_000_000
TIME_TARGET = 3.0  # report wall time <= 3x `wc -l` on the same bytes
MEM_TARGET = 3.0  # peak RSS <= 3x the input size


def bundle_files(path):
    return sorted(
        os.path.join(path, name)
        for name in os.listdir(path)
        if os.path.isfile(os.path.join(path, name))
    )


def run_once(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, peak RSS in bytes, exit code)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    # wait4 gives this child's own rusage; stderr is small (warnings), read it after.
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0 and err:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return elapsed, rss, proc.returncode


GNU_TIME = "/usr/bin/time"


def rss_via_time(argv):
    """Peak RSS (bytes) from GNU time's %M, or None where it is missing or fails.

    Preferred to our own wait4 figure: Linux starts a child's ru_maxrss at the RSS of the
    process that forked it, and this interpreter is ~15 MB while GNU time is ~1 MB."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    fd, tmp = tempfile.mkstemp(prefix="goattrib-bench-rss-")
    os.close(fd)
    try:
        subprocess.run([GNU_TIME, "-f", "%M", "-o", tmp, *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(tmp) as f:
            return int(f.read().split()[-1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    finally:
        os.unlink(tmp)


def best_of(argv, runs, rss=True):
    """Best wall time of `runs` direct runs; peak RSS over `runs` more under GNU time
    (or, without it, the direct runs' wait4 figures, floored at this process's RSS)."""
    times, rsss, codes = [], [], set()
    for _ in range(runs):
        t, r, code = run_once(argv)
        times.append(t)
        rsss.append(r)
        codes.add(code)
    source = "wait4"
    if rss:
        via_time = [rss_via_time(argv) for _ in range(runs)]
        if all(v is not None for v in via_time):
            rsss, source = via_time, "gnu-time"
    return {"best_s": min(times), "all_s": times, "peak_rss_bytes": max(rsss),
            "rss_source": source, "exit_codes": sorted(codes)}


def wc_lines(files, runs):
    argv = ["wc", "-l", "--", *files]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    last = out.strip().splitlines()[-1].split()
    lines = int(last[0])  # the "total" line, or the single file's count
    run_once(argv)  # warm the page cache; the report runs see it warm too
    timing = best_of(argv, runs, rss=False)
    return lines, timing["best_s"], timing["all_s"]


def summarise(goattrib, base, head):
    """What the report found, computed in a child interpreter: parsing megabytes of JSON
    here would raise this process's RSS, and a child's ru_maxrss starts from its parent's
    high-water mark at fork/exec time (Linux), which would then inflate every figure."""
    out = subprocess.run(
        [sys.executable, __file__, "--summarise", goattrib, base, head],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def summarise_child(goattrib, base, head):
    out = subprocess.run(
        [goattrib, "report", "--baseline", base, head, "--format", "json"],
        capture_output=True,
    )
    try:
        rep = json.loads(out.stdout)
    except ValueError:
        return {"error": f"report exited {out.returncode} without JSON"}
    pk = rep.get("summary", {}).get("packages", {})
    return {
        "actions": rep.get("summary", {}).get("actions"),
        "packages": pk.get("total"),
        "hits": pk.get("hits"),
        "misses": pk.get("misses"),
        "causes": [
            {"kind": c.get("kind"), "misses": c.get("misses")} for c in rep.get("causes", [])[:5]
        ],
        "warnings": len(rep.get("warnings", [])),
        "report_json_bytes": len(out.stdout),
    }


def verdict(ok):
    return "PASS" if ok else "FAIL"


def breakdown(goattrib, head, runs):
    """`report` on each file of the head bundle alone: which input costs what."""
    rows = []
    for path in bundle_files(head):
        size = os.path.getsize(path)
        if size < 10_000:
            continue
        r = best_of([goattrib, "report", path, "--format", "table", "--width", "120"], runs)
        rows.append({"file": os.path.basename(path), "bytes": size, "report_s": r["best_s"],
                     "peak_rss_bytes": r["peak_rss_bytes"],
                     "mb_per_s": size / MB / r["best_s"]})
    return rows


TRACE_TARGET = 2.0


def trace_main(argv):
    """`measure.py trace`: `report` on one large job trace, alone and with a bundle."""
    ap = argparse.ArgumentParser(prog="measure.py trace")
    ap.add_argument("--goattrib", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    size = os.path.getsize(args.trace)
    lines, wc_s, _ = wc_lines([args.trace], args.runs)
    print(f"\ngoattrib report on a {size / MB:.0f} MB job trace ({lines:,} lines), "
          f"{os.cpu_count()} CPUs, best of {args.runs}; wc -l {wc_s:.3f}s")
    print(f"{'input':<28} {'report s':>9} {'rep/wc':>8} {'MB/s':>7} {'RSS MB':>8}  time<={TRACE_TARGET:g}x")
    for label, inputs in (("trace alone", [args.trace]),
                          ("trace + bundle", [args.bundle, args.trace])):
        r = best_of([args.goattrib, "report", *inputs], args.runs)
        ratio = r["best_s"] / wc_s
        print(f"{label:<28} {r['best_s']:>9.3f} {ratio:>7.1f}x {size / MB / r['best_s']:>7.1f} "
              f"{r['peak_rss_bytes'] / MB:>8.1f}  {verdict(ratio <= TRACE_TARGET)}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--summarise":
        print(json.dumps(summarise_child(*sys.argv[2:])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "trace":
        trace_main(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--goattrib", required=True)
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--packages", default="")
    ap.add_argument("--miss-desc", default="")
    ap.add_argument("--go-version", default="")
    ap.add_argument("--output", required=True)
    ap.add_argument("--heads", default="head-warm,head-miss")
    args = ap.parse_args()

    captures = {}
    with open(args.captures) as f:
        for row in f:
            cols = row.rstrip("\n").split("\t")
            if len(cols) >= 3:
                captures[cols[0]] = {"seconds": float(cols[1]), "exit_code": int(cols[2]),
                                     "packages": cols[3] if len(cols) > 3 else "",
                                     "change": cols[4] if len(cols) > 4 else ""}

    base = os.path.join(args.bench_dir, "base")
    base_files = bundle_files(base)
    bundles = {}
    for name in ["base", *args.heads.split(",")]:
        files = bundle_files(os.path.join(args.bench_dir, name))
        bundles[name] = {
            "bytes": sum(os.path.getsize(p) for p in files),
            "files": {os.path.basename(p): os.path.getsize(p) for p in files},
            "capture": captures.get(name),
        }

    scenarios = []
    for head_name in args.heads.split(","):
        head = os.path.join(args.bench_dir, head_name)
        head_files = bundle_files(head)
        all_files = base_files + head_files
        input_bytes = sum(os.path.getsize(p) for p in all_files)
        head_bytes = sum(os.path.getsize(p) for p in head_files)
        print(f"== {head_name}: wc -l", file=sys.stderr)
        lines_all, wc_all_s, wc_all_runs = wc_lines(all_files, args.runs)
        lines_head, wc_head_s, wc_head_runs = wc_lines(head_files, args.runs)
        summary = summarise(args.goattrib, base, head)
        for fmt in ("json", "table"):
            print(f"== {head_name}: report --format {fmt}", file=sys.stderr)
            argv = [args.goattrib, "report", "--baseline", base, head, "--format", fmt]
            if fmt == "table":
                argv += ["--width", "120"]
            r = best_of(argv, args.runs)
            ratio = r["best_s"] / wc_all_s
            rss_ratio = r["peak_rss_bytes"] / input_bytes
            scenarios.append({
                "head": head_name,
                "format": fmt,
                "input_bytes": input_bytes,
                "input_mb": input_bytes / MB,
                "head_bytes": head_bytes,
                "lines": lines_all,
                "head_lines": lines_head,
                "wc_s": wc_all_s,
                "wc_runs_s": wc_all_runs,
                "wc_head_s": wc_head_s,
                "wc_head_runs_s": wc_head_runs,
                "report_s": r["best_s"],
                "report_runs_s": r["all_s"],
                "report_exit_codes": r["exit_codes"],
                "ratio_report_wc": ratio,
                "ratio_report_wc_head": r["best_s"] / wc_head_s,
                "mb_per_s": input_bytes / MB / r["best_s"],
                "peak_rss_bytes": r["peak_rss_bytes"],
                "peak_rss_mb": r["peak_rss_bytes"] / MB,
                "rss_source": r["rss_source"],
                "rss_input_ratio": rss_ratio,
                "time_target": f"report <= {TIME_TARGET:g}x wc -l",
                "time_pass": ratio <= TIME_TARGET,
                "mem_target": f"peak RSS <= {MEM_TARGET:g}x input",
                "mem_pass": rss_ratio <= MEM_TARGET,
                "report_summary": summary,
            })

    last_head = os.path.join(args.bench_dir, args.heads.split(",")[-1])
    print(f"== breakdown: report on each file of {last_head} alone", file=sys.stderr)
    per_file = breakdown(args.goattrib, last_head, args.runs)
    # This process's own high-water mark: the floor of every child's ru_maxrss.
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

    results = {
        "go_version": args.go_version,
        "packages": args.packages,
        "miss_change": args.miss_desc,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "fallback": open(os.path.join(args.bench_dir, "fallback")).read().strip()
        if os.path.exists(os.path.join(args.bench_dir, "fallback")) else None,
        "bundles": bundles,
        "scenarios": scenarios,
        "breakdown_head": os.path.basename(last_head),
        "breakdown": per_file,
        "rss_floor_bytes": own_rss,
    }
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print_table(results)
    print(f"\nresults: {args.output}")


def print_table(res):
    print(f"\ngoattrib report benchmark — go build {res['packages']} ({res['go_version']}, "
          f"{res['cpus']} CPUs, best of {res['runs']})")
    if res["fallback"]:
        print(f"NOTE: {res['fallback']}; benchmarked 'go build std' instead")
    for name, b in res["bundles"].items():
        cap = b["capture"] or {}
        secs = f"{cap['seconds']:.1f}s" if cap else "?"
        change = f" [{cap['change']}]" if cap and cap.get("change") else ""
        print(f"  capture {name:<10} {b['bytes'] / MB:8.1f} MB  in {secs}{change}")
    for s in res["scenarios"]:
        sm = s["report_summary"]
        if s["format"] == "json" and "hits" in sm:
            causes = ", ".join(f"{c['kind']}:{c['misses']}" for c in sm["causes"]) or "-"
            print(f"  {s['head']}: {sm['packages']} packages, {sm['hits']} hits, "
                  f"{sm['misses']} misses; causes {causes}")
    cols = [
        ("head", "{:<10}", "head"),
        ("format", "{:<6}", "fmt"),
        ("input_mb", "{:>8.1f}", "input MB"),
        ("lines", "{:>10,d}", "lines"),
        ("wc_s", "{:>8.3f}", "wc -l s"),
        ("report_s", "{:>8.3f}", "report s"),
        ("ratio_report_wc", "{:>8.1f}x", "rep/wc"),
        ("mb_per_s", "{:>7.1f}", "MB/s"),
        ("peak_rss_mb", "{:>8.1f}", "RSS MB"),
        ("rss_input_ratio", "{:>8.2f}x", "RSS/in"),
    ]
    header = []
    for key, fmt, title in cols:
        width = len(fmt.format(0 if "d" in fmt or "f" in fmt else "x"))
        header.append(title.rjust(width) if ">" in fmt else title.ljust(width))
    header += ["time<=3x", "mem<=3x"]
    print()
    print("  ".join(header))
    for s in res["scenarios"]:
        row = [fmt.format(s[key]) for key, fmt, _ in cols]
        row += [verdict(s["time_pass"]).ljust(8), verdict(s["mem_pass"])]
        print("  ".join(row))
    print("\nwc -l is over both bundles (the report's whole input); head bundle alone:")
    for s in res["scenarios"]:
        if s["format"] == "json":
            print(f"  {s['head']}: {s['head_lines']:,} lines, {s['head_bytes'] / MB:.1f} MB, "
                  f"wc -l {s['wc_head_s']:.3f}s")
    for s in res["scenarios"]:
        print(f"  {s['head']}/{s['format']}: report / wc -l(head only) = "
              f"{s['ratio_report_wc_head']:.1f}x")
    print(f"\nper input file (`report FILE` table output, {res['breakdown_head']} alone, "
          f"no baseline; includes ~5 ms process start):")
    for b in res["breakdown"]:
        print(f"  {b['file']:<18} {b['bytes'] / MB:6.1f} MB  {b['report_s'] * 1000:7.1f} ms  "
              f"{b['mb_per_s']:6.1f} MB/s  RSS {b['peak_rss_bytes'] / MB:6.1f} MB")
    src = {s["rss_source"] for s in res["scenarios"]}
    if "wait4" in src:
        print(f"(no {GNU_TIME}: RSS from wait4, which cannot go below the measuring process's "
              f"own {res['rss_floor_bytes'] / MB:.1f} MB)")
    else:
        print(f"(peak RSS from {GNU_TIME} -f %M, best time from direct runs)")


if __name__ == "__main__":
    main()
