#!/usr/bin/env python3
"""gpu_summary.py — the summary table of one bench/gpu_check.sh run, from its work folder.

    python3 bench/gpu_summary.py --work build-gpu/gpu-check --status 0 --reason "..."

Reads steps.tsv (name, status, seconds, detail), junit.xml (ctest), the benchmarks' JSON files, the all-pairs
score log and any per-kernel profile; prints the tests, each measured figure against the targets of DESIGN §5,
the ratios against PyTorch eager and torch.compile, and achieved TFLOP/s. Missing pieces read as n/a.
"""
import argparse
import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET

SCORE_PAIRS, EPOCH_PAIRS, ALL_PAIRS = 977_481, 791_759, 5950 * 5949 // 2


def load_json(work, name):
    try:
        with open(os.path.join(work, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def junit_counts(path):
    """(passed, failed, skipped, failed names) of a ctest JUnit file; a test that did not run counts as failed."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    p = f = s = 0
    failed = []
    for c in root.iter("testcase"):
        status = c.get("status", "")
        sk = c.find("skipped")
        if c.find("failure") is not None or c.find("error") is not None or status == "fail":
            f += 1
            failed.append(c.get("name", "?"))
        elif sk is not None and (sk.get("message") == "SKIP_REGULAR_EXPRESSION_MATCHED" or status == "skipped"):
            s += 1
        elif sk is not None or status == "notrun":
            f += 1
            failed.append(c.get("name", "?"))
        else:
            p += 1
    return p, f, s, failed


def allpairs_seconds(work):
    """Scoring time of `gener score --all-pairs` from its last progress line: pairs / (pairs/s)."""
    try:
        text = open(os.path.join(work, "logs", "allpairs_score.log")).read()
    except OSError:
        return None, None
    hits = re.findall(r"\] (\d+)/(\d+) pairs\s+(\d+) pairs/s", text)
    if not hits:
        return None, None
    done, _, rate = (int(x) for x in hits[-1])
    return (done / rate if rate else None), done


def fmt_s(s):
    if s is None:
        return "n/a"
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def kernel_table(work, top=15):
    """The slowest kernels of the profiled scoring run, as text lines (nsys CSV or ncu CSV)."""
    path = os.path.join(work, "kernels.csv")
    if os.path.exists(path):
        rows = list(csv.DictReader(open(path)))
        key = next((k for k in (rows[0].keys() if rows else []) if "Total Time" in k), None)
        if key:
            rows.sort(key=lambda r: -float(r[key] or 0))
            return [f"{float(r[key]) / 1e6:9.3f} ms  {r.get('Instances', '?'):>6}x  {r.get('Name', '?')[:90]}"
                    for r in rows[:top]]
    path = os.path.join(work, "kernels_ncu.csv")
    if os.path.exists(path):
        text = open(path).read()
        start = text.find('"ID"')
        if start >= 0:
            per = {}
            for r in csv.DictReader(io.StringIO(text[start:])):
                if r.get("Metric Name") == "gpu__time_duration.sum":
                    name = r.get("Kernel Name", "?")[:90]
                    scale = 1e-3 if r.get("Metric Unit") == "nsecond" else (1e3 if r.get("Metric Unit") == "msecond" else 1)
                    v = float(r.get("Metric Value", "0").replace(",", "")) * scale  # microseconds
                    n, tot = per.get(name, (0, 0.0))
                    per[name] = (n + 1, tot + v)
            rows = sorted(per.items(), key=lambda kv: -kv[1][1])
            return [f"{tot:9.1f} us  {n:>6}x  {name}" for name, (n, tot) in rows[:top]]
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--status", type=int, default=1)
    ap.add_argument("--reason", default="")
    a = ap.parse_args()
    w = a.work
    lines = [f"gener GPU check: {'PASSED' if a.status == 0 else ('NO GPU' if a.status == 3 else 'FAILED')} "
             f"(status {a.status}) — {a.reason}", ""]

    steps = []
    try:
        for row in open(os.path.join(w, "steps.tsv")):
            parts = row.rstrip("\n").split("\t")
            if len(parts) >= 3:
                steps.append(parts + [""] * (4 - len(parts)))
    except OSError:
        pass
    lines.append("Steps")
    for name, status, secs, detail in steps:
        lines.append(f"  {name:<26} {status:<8} {secs:>5} s  {detail}")
    lines.append("")

    jc = junit_counts(os.path.join(w, "junit.xml"))
    if jc:
        p, f, s, failed = jc
        lines.append(f"CUDA tests (ctest -R ^Cuda, GENER_REQUIRE_GPU=1): {p} passed, {f} failed, {s} skipped")
        lines += [f"  FAILED {n}" for n in failed[:40]]
    else:
        lines.append("CUDA tests: not run")
    lines.append("")

    def rate(name):
        j = load_json(w, name)
        return j.get("pairs_per_s") if j else None

    def gflop(name):
        j = load_json(w, name)
        if not j or not j.get("pairs_per_s") or not j.get("macs_per_pair"):
            return None
        fwd = 2.0 * j["macs_per_pair"] * j["pairs_per_s"]
        return fwd * (3.0 if j.get("mode") == "train" else 1.0) / 1e12  # training ~ forward + 2x backward

    rows = [("what", "gener", "full set", "TFLOP/s", "eager", "vs eager", "compile", "vs compile", "target")]

    def add(label, g, full_n, eager, comp, target):
        gp, ep, cp = rate(g), rate(eager) if eager else None, rate(comp) if comp else None
        t = gflop(g)
        rows.append((label, f"{gp:,.0f}/s" if gp else "n/a", fmt_s(full_n / gp) if gp else "n/a",
                     f"{t:.2f}" if t else "n/a", f"{ep:,.0f}/s" if ep else "n/a",
                     f"{gp / ep:.1f}x" if gp and ep else "n/a", f"{cp:,.0f}/s" if cp else "n/a",
                     f"{gp / cp:.1f}x" if gp and cp else "n/a", target))

    add("score fused fp32", "score_fused", SCORE_PAIRS, "torch_score_eager", "torch_score_compile", "< 10 ms, >=20x/5x")
    add("score layers fp32", "score_layers", SCORE_PAIRS, "torch_score_eager", "torch_score_compile", "")
    add("score fused tf32", "score_fused_tf32", SCORE_PAIRS, None, None, "")
    add("score layers tf32", "score_layers_tf32", SCORE_PAIRS, None, None, "")
    add("epoch batch 64", "train_b64", EPOCH_PAIRS, "torch_train_eager_b64", None, "< 0.5 s")
    add("epoch batch 256", "train_b256", EPOCH_PAIRS, "torch_train_eager_b256", "torch_train_compile_b256",
        "< 0.5 s, >=20x/5x")
    add("epoch b256 no graphs", "train_b256_nographs", EPOCH_PAIRS, "torch_train_eager_b256", None, "")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines.append("Benchmarks (pairs/s; 'full set' = 977,481 pairs scored or one 791,759-pair epoch; TF32 off unless named)")
    lines += ["  " + "  ".join(c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows]
    secs, n = allpairs_seconds(w)
    lines.append(f"  all {ALL_PAIRS:,} pairs (5,950 genes), top 100,000: "
                 f"{fmt_s(secs) if secs else 'n/a'} scoring{f' ({n:,} pairs)' if n else ''}  (target < 0.2 s)")
    lines.append("")

    try:
        kt = kernel_table(w)
    except (OSError, ValueError, KeyError, IndexError) as e:  # a profile in an unexpected format: say so, go on
        kt = [f"(per-kernel table unreadable: {e})"]
    if kt:
        lines.append("Per-kernel time, scoring 65,536 pairs (fused path)")
        lines += ["  " + k for k in kt]
        lines.append("")
    lines.append("Logs: logs.tar.gz (console.log, one log per step, ldd.txt, the JSON of every benchmark)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
