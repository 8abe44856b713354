"""Engine benchmark: the price-index panel through ibis (``audit_lib.engine``) on DuckDB against
today's direct DuckDB SQL (``audit_lib.panel.build_panel``), in one run, and on Spark local
mode for the record: ``python benchmarks/engine_benchmark.py [--lines N]``.

1. The purchase lines are generated once as Parquet under ``benchmarks/_work/`` (git-ignored)
   with the demo generator, the same file as ``panel_benchmark.py`` (shared code).
2. Each implementation builds the panel in a fresh process, so that each process's peak
   memory (``VmHWM``, see ``panel_benchmark.peak_rss_mib``) is its own; wall time covers connecting,
   reading the file and the finished panel, not the interpreter start and imports (timed
   apart, as ``import_s``, with the resident memory after them):
   - **sql**: ``build_panel(relation_sql(...))``, today's path (the contract's typed subquery);
   - **ibis**: ``audit_lib.engine.panel.build_panel`` on ``{backend: duckdb}``: the same
     aggregate compiled by ibis, the same numpy index;
   - **spark**: the same ibis expression on ``{backend: spark, master: local[N]}`` (the
     SparkSession start is timed separately, as ``start_s``).
   ``--rounds 2`` alternates sql and ibis twice, which evens out a shared machine's load.
3. Compares each panel with today's (same cells, largest difference of the log index) and
   writes ``benchmarks/_work/engine_benchmark.json``.

``--task validate`` times the validation of ``purchase_lines`` the same way (same file, same
alternation, same measures; the region codes of the generated lines are checked, as a run
checks the parameters' regions) and compares the reports (every problem and count):
   - **sql**: ``contract.large.check_large_sql``, the contract's hand-written DuckDB SQL (the
     tests' reference implementation);
   - **ibis**: ``engine.validate.check_large`` on ``{backend: duckdb}``, what ``audit validate``
     and the runner call;
   - **spark**: the same on Spark local mode, for the record.
   Results: ``benchmarks/_work/engine_benchmark_validate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from panel_benchmark import WORK, generate, peak_rss_mib  # noqa: E402  (the same generated file)

IMPLS = ("sql", "ibis", "spark")


def run_validate(impl: str, path: Path, out: Path, master: str) -> dict:
    """The validation of ``path`` by ``impl``; writes its report (problems, counts) to ``out``."""
    res: dict = {}
    t0 = time.perf_counter()
    from audit_lib.contract.problems import ValidationReport
    from audit_lib.contract.spec import TABLES
    from audit_lib.demo import calibration as cal

    if impl == "sql":
        from audit_lib.contract.large import check_large_sql
    else:
        import ibis

        from audit_lib.engine import connect
        from audit_lib.engine.validate import check_large

        if impl == "ibis":  # the backend module is imported lazily, on first use: import it here
            ibis.duckdb  # noqa: B018
    res["import_s"] = time.perf_counter() - t0
    res["rss_after_imports_mib"] = peak_rss_mib()
    report, spec, regions = ValidationReport(), TABLES["purchase_lines"], list(cal.REGIONS)
    t = time.perf_counter()
    if impl == "sql":
        n = check_large_sql(path, spec, report, regions)
    elif impl == "ibis":  # as audit validate and the runner call it: its own DuckDB connection
        n = check_large(path, spec, report, regions=regions)
    else:
        con = connect({"backend": "spark", "master": master})
        res["start_s"] = time.perf_counter() - t
        n = check_large(path, spec, report, con=con, regions=regions)
    res["wall_s"] = time.perf_counter() - t
    res["n_lines"] = n
    res["problems"] = len(report.problems)
    problems = [[p.severity, p.file, p.rule, p.row, p.column, p.value] for p in report.problems]
    suppressed = sorted([list(k), v] for k, v in report.suppressed.items())
    out.write_text(json.dumps({"problems": problems, "suppressed": suppressed}, default=str), encoding="utf-8")
    return res


def run(impl: str, path: Path, out: Path, master: str) -> dict:
    res: dict = {}
    t0 = time.perf_counter()
    if impl == "sql":
        from audit_lib.contract.large import relation_sql
        from audit_lib.contract.spec import TABLES
        from audit_lib.panel import build_panel

        res["import_s"] = time.perf_counter() - t0
        res["rss_after_imports_mib"] = peak_rss_mib()
        t = time.perf_counter()
        panel = build_panel(relation_sql(path, TABLES["purchase_lines"]))
    else:
        import ibis

        from audit_lib.engine import connect
        from audit_lib.engine.panel import build_panel

        if impl == "ibis":  # the backend module is imported lazily, on first use: import it here
            ibis.duckdb  # noqa: B018
        res["import_s"] = time.perf_counter() - t0
        res["rss_after_imports_mib"] = peak_rss_mib()
        t = time.perf_counter()
        if impl == "ibis":  # as the causality question calls it: its own connection, closed before the index
            panel = build_panel(path, {"backend": "duckdb"})
        else:
            con = connect({"backend": "spark", "master": master})
            res["start_s"] = time.perf_counter() - t
            panel = build_panel(path, con=con)
    res["wall_s"] = time.perf_counter() - t
    res["n_lines"] = panel.coverage["n_lines"]
    res["cell_months"] = len(panel.frame)
    panel.frame[["category", "region", "month", "log_index"]].to_parquet(out)
    return res


def child(impl: str, path: Path, out: Path, master: str, task: str) -> None:
    res = (run_validate if task == "validate" else run)(impl, path, out, master)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res["peak_rss_mib"] = peak_rss_mib()  # for Spark the Python driver, not the JVM
    res["cpu_s"] = ru.ru_utime + ru.ru_stime
    print("RESULT " + json.dumps(res))


def measure(impl: str, path: Path, master: str, tag: str, task: str) -> dict:
    out = WORK / (f"engine_{tag}.parquet" if task == "panel" else f"validate_{tag}.json")
    cmd = [sys.executable, __file__, "--child", impl, "--path", str(path), "--out", str(out), "--master", master]
    cmd += ["--task", task]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()
        return {"error": tail[-1] if tail else f"exit {proc.returncode}", "process_s": time.perf_counter() - t}
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    res = json.loads(line[len("RESULT ") :])
    res["process_s"] = time.perf_counter() - t
    res["output"] = str(out)
    return res


def compare(a_path: str, b_path: str) -> dict:
    if a_path.endswith(".json"):  # two validation reports
        a, b = (json.loads(Path(x).read_text(encoding="utf-8")) for x in (a_path, b_path))
        return {"same_report": a == b}
    import pandas as pd

    a, b = pd.read_parquet(a_path), pd.read_parquet(b_path)
    m = a.merge(b, on=["category", "region", "month"], suffixes=("_a", "_b"))
    diff = (m["log_index_a"] - m["log_index_b"]).abs()
    return {"same_cells": len(m) == len(a) == len(b), "max_abs_diff_log_index": float(diff.max())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=50_000_000)
    ap.add_argument("--impl", nargs="+", choices=IMPLS, default=list(IMPLS))
    ap.add_argument("--rounds", type=int, default=1, help="alternate sql and ibis this many times")
    ap.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    ap.add_argument("--task", choices=("panel", "validate"), default="panel")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--child", choices=IMPLS)
    ap.add_argument("--path")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, Path(args.path), Path(args.out), args.master, args.task)
        return
    path, gen_s = generate(args.lines, args.regenerate)
    results: dict = {
        "task": args.task,
        "lines": args.lines,
        "file": str(path),
        "file_mib": path.stat().st_size / 2**20,
        "generate_s": gen_s,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_before": os.getloadavg(),
        "runs": [],
    }
    order = [i for _ in range(args.rounds) for i in args.impl if i != "spark"] + [i for i in args.impl if i == "spark"]
    for k, impl in enumerate(order):
        load = os.getloadavg()[0]
        r = measure(impl, path, args.master, f"{impl}_{k}", args.task)
        r["impl"], r["load_avg_1min_before"] = impl, load
        results["runs"].append(r)
        print(
            f"  {impl:5s} "
            + (
                f"failed: {r['error']}"
                if "error" in r
                else f"{r['wall_s']:6.1f} s wall, {r['cpu_s']:6.1f} s CPU, peak {r['peak_rss_mib']:6.0f} MiB "
                f"(imports {r['import_s']:.1f} s, {r['rss_after_imports_mib']:.0f} MiB)"
                + (f", SparkSession start {r['start_s']:.1f} s (JVM memory not measured)" if impl == "spark" else "")
            ),
            flush=True,
        )
    ok = [r for r in results["runs"] if "error" not in r]
    ref = next((r for r in ok if r["impl"] == "sql"), None)
    if ref:
        for r in ok:
            if r is not ref:
                r.update(compare(ref["output"], r["output"]))
    best = {i: min((r for r in ok if r["impl"] == i), key=lambda r: r["wall_s"], default=None) for i in ("sql", "ibis")}
    if best["sql"] and best["ibis"]:
        results["ibis_vs_sql"] = {
            "wall_ratio_best": best["ibis"]["wall_s"] / best["sql"]["wall_s"],
            "peak_rss_ratio": best["ibis"]["peak_rss_mib"] / best["sql"]["peak_rss_mib"],
            "wall_ratio_per_round": [  # each ibis run over the sql run just before it
                i["wall_s"] / s["wall_s"]
                for s, i in zip([r for r in ok if r["impl"] == "sql"], [r for r in ok if r["impl"] == "ibis"])
            ],
        }
        print(
            f"  ibis/sql: wall {results['ibis_vs_sql']['wall_ratio_best']:.2f}x (best of each), "
            f"peak memory {results['ibis_vs_sql']['peak_rss_ratio']:.2f}x; per round "
            + ", ".join(f"{x:.2f}x" for x in results["ibis_vs_sql"]["wall_ratio_per_round"])
            + ("; same report" if all(r.get("same_report", True) for r in ok) else "; REPORTS DIFFER")
            * (args.task == "validate")
        )
    results["load_avg_after"] = os.getloadavg()
    WORK.mkdir(parents=True, exist_ok=True)
    name = "engine_benchmark.json" if args.task == "panel" else "engine_benchmark_validate.json"
    (WORK / name).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.lines:,} lines, {results['file_mib']:.0f} MiB; load average before/after: "
        f"{results['load_avg_before'][0]:.1f} / {results['load_avg_after'][0]:.1f}"
    )


if __name__ == "__main__":
    main()
