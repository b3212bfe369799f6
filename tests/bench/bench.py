#!/usr/bin/env python3
"""tests/bench: the scenarios S1-S10 of ../shared/benchmarks.md and S11 (two instances behind HAProxy) against their anchors, measured
in the same run. Needs the test world running ($KIMGATE_WORLD_DIR). Writes results.json,
report.md and charts into --out; prints one table. scripts/bench is the entry point."""
import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import anchors  # noqa: E402
import loadgen  # noqa: E402
import world  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    load = os.getloadavg()
    return {"host": platform.node(), "cpu": model, "cores": os.cpu_count(), "memory_mib": mem_kib // 1024,
            "kernel": platform.release(), "openssl": subprocess.run(["openssl", "version"], capture_output=True,
                                                                    text=True).stdout.strip(),
            "loadavg_at_start": [round(x, 2) for x in load], "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def table(rows):
    head = ["scenario", "metric", "kimgate", "anchor", "unit", "ratio", "target", "met"]
    lines = [head]
    for r in rows:
        met = r.get("met")
        lines.append([r["scenario"], r.get("metric", ""), fmt(r.get("kimgate")), fmt(r.get("anchor")), r.get("unit", ""),
                      fmt(r.get("ratio")), r.get("target_text", fmt(r.get("target"))),
                      "-" if met is None else ("yes" if met else "NO")])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(line)) for line in lines)


def report_md(results, out):
    m = results["machine"]
    lines = ["# kimgate benchmark report", "",
             f"Run {m['date']} on {m['host']}: {m['cpu']}, {m['cores']} cores, {m['memory_mib']} MiB, "
             f"Linux {m['kernel']}, {m['openssl']}; load average at start {m['loadavg_at_start']}. "
             f"Mode: {results['mode']}.", "",
             "Every figure is a ratio against an anchor measured in the same run (../shared/benchmarks.md).", "",
             "| scenario | metric | kimgate | anchor | unit | ratio | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results["scenarios"]:
        met = r.get("met")
        lines.append(f"| {r['scenario']} | {r.get('metric', '')} | {fmt(r.get('kimgate'))} | {fmt(r.get('anchor'))} | "
                     f"{r.get('unit', '')} | {fmt(r.get('ratio'))} | {r.get('target_text', fmt(r.get('target')))} | "
                     f"{'-' if met is None else ('yes' if met else 'no')} |")
    lines += ["", "## Details", ""]
    for r in results["scenarios"]:
        if r.get("detail"):
            lines.append(f"- **{r['scenario']} {r.get('metric', '')}**: {r['detail']}")
    lines += ["", "## Anchors", ""]
    for k, v in results["anchors"].items():
        lines.append(f"- {k}: {v}")
    charts = [c for c in ("throughput.png", "latency.png", "rss.png") if os.path.exists(os.path.join(out, c))]
    if charts:
        lines += ["", "## Charts", ""] + [f"![{c}]({c})" for c in charts]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def charts(results, series, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: matplotlib is missing (python3-matplotlib); no charts", file=sys.stderr)
        return
    rates = [r for r in results["scenarios"] if r.get("unit") in ("msg/s", "MB/s") and r.get("anchor")]
    if rates:
        fig, ax = plt.subplots(figsize=(9, 4))
        xs = range(len(rates))
        ax.bar([x - 0.2 for x in xs], [r["kimgate"] for r in rates], 0.4, label="kimgate")
        ax.bar([x + 0.2 for x in xs], [r["anchor"] for r in rates], 0.4, label="anchor")
        ax.set_xticks(list(xs), [f"{r['scenario']}\n{r['unit']}" for r in rates])
        ax.set_yscale("log")
        ax.set_title("Throughput against the anchor of the same run")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "throughput.png"))
        plt.close(fig)
    lat = {k: v for k, v in series.items() if k.startswith("latency:") and v}
    if lat:
        fig, ax = plt.subplots(figsize=(9, 4))
        for name, values in lat.items():
            s = sorted(v * 1000 for v in values)
            ax.plot(s, [(i + 1) / len(s) for i in range(len(s))], label=name.split(":", 1)[1])
        ax.set_xscale("log")
        ax.set_xlabel("DATA end -> 250 [ms]")
        ax.set_ylabel("fraction of transactions")
        ax.set_title("Latency distribution")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "latency.png"))
        plt.close(fig)
    rss = {k: v for k, v in series.items() if k.startswith("rss:") and v}
    if rss:
        fig, ax = plt.subplots(figsize=(9, 4))
        for name, points in rss.items():
            ax.plot([p[0] for p in points], [p[1] / 1024 for p in points], label=name.split(":", 1)[1])
        ax.set_xlabel("s")
        ax.set_ylabel("RSS [MiB]")
        ax.set_title("kimgated resident set over time")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "rss.png"))
        plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kimgated", required=True)
    ap.add_argument("--cms-bench", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    wanted = [s.upper() for s in a.scenarios] or list(SCENARIOS)
    unknown = [s for s in wanted if s not in SCENARIOS]
    if unknown:
        print(f"bench: unknown scenario(s) {unknown}; known: {list(SCENARIOS)}", file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    w = world.load_world()
    ctx = anchors.Context(a, w)
    results = {"machine": machine(), "mode": "quick" if a.quick else "full", "scenarios": [], "anchors": ctx.anchors}
    started = time.monotonic()
    try:
        for name in wanted:
            t0 = time.monotonic()
            print(f"=== {name}", flush=True)
            try:
                rows = SCENARIOS[name](ctx)
            except Exception as e:  # one broken scenario must not hide the others' figures
                import traceback
                traceback.print_exc()
                rows = [{"scenario": name, "metric": "error", "detail": f"{type(e).__name__}: {e}"}]
            for r in rows:
                r.setdefault("scenario", name)
                r["seconds"] = round(time.monotonic() - t0, 1)
                results["scenarios"].append(r)
                print("    " + json.dumps(r), flush=True)
    finally:
        ctx.close()
    results["seconds"] = round(time.monotonic() - started, 1)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    charts(results, ctx.series, a.out)
    report_md(results, a.out)
    print()
    print(table(results["scenarios"]))
    print(f"\nbench: {len(results['scenarios'])} rows in {results['seconds']:.0f} s; {a.out}/results.json, report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
