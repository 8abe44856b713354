"""Panel benchmark: the category x region x month price index from 50 million purchase lines,
DuckDB (``audit_lib.panel``) against a plain pandas implementation of the same index, in one
run: ``python benchmarks/panel_benchmark.py``.

1. Generates the lines once as Parquet under ``benchmarks/_work/`` (git-ignored) with the demo
   generator (``audit_lib.demo.purchase_lines``, the demo's rollouts and effects; about a
   minute), unless the file is already there with the same number of lines.
2. Builds the panel in a fresh process for each implementation, so that each process's peak
   memory (``VmHWM`` of ``/proc/self/status``, see ``peak_rss_mib``) is its own:
   - **duckdb**: ``build_panel(relation_sql(...))``, the code the notebook runs, through the
     data contract's typed subquery (TRIM, TRY_CAST), one scan of the file;
   - **pandas**: ``pandas.read_parquet`` of the needed columns, month from the date, a
     ``groupby`` to article x cell x month, then the same index solver (``tpd_index``).
   Wall time covers reading the file to the finished panel (not the interpreter start).
3. Checks that both give the same index (largest absolute difference of the log index) and
   writes ``benchmarks/_work/panel_benchmark.json``.

Options: ``--lines N`` (default 50,000,000), ``--threads N`` (DuckDB threads; default all
cores), ``--regenerate``, ``--impl duckdb`` (one implementation only). Each process also
reports its CPU seconds (user + system, imports included), which depend less than wall time
on what else the machine is doing. Run it on an otherwise idle machine: it uses every core and, for the
pandas side, several GiB of memory.
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

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
SEED = 20251027


def lines_file(n_lines: int) -> Path:
    return WORK / f"purchase_lines_{n_lines}.parquet"


def generate(n_lines: int, regenerate: bool) -> tuple[Path, float]:
    import pyarrow.parquet as pq

    path = lines_file(n_lines)
    if path.exists() and not regenerate and pq.ParquetFile(path).metadata.num_rows == n_lines:
        return path, 0.0
    from audit_lib.demo import calibration as cal
    from audit_lib.demo.generate import CATEGORIES
    from audit_lib.demo.purchase_lines import DEFAULT_EFFECTS, make_rollouts, write_purchase_lines

    WORK.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    rollouts = make_rollouts(list(CATEGORIES), list(cal.REGIONS), None, None, SEED)
    tmp = path.with_suffix(".tmp")
    write_purchase_lines(tmp, rollouts, n_lines=n_lines, seed=SEED, effects=DEFAULT_EFFECTS)
    tmp.replace(path)
    return path, time.perf_counter() - t


# ---------------------------------------------------------------- the two implementations
def run_duckdb(path: Path, out: Path, threads: int | None) -> dict:
    import duckdb

    from audit_lib.contract.large import relation_sql
    from audit_lib.contract.spec import TABLES
    from audit_lib.panel import build_panel

    t = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.sql(f"SET threads = {int(threads)}")
    panel = build_panel(relation_sql(path, TABLES["purchase_lines"], con), con)
    wall = time.perf_counter() - t
    panel.frame[["category", "region", "month", "log_index"]].to_parquet(out)
    return {"wall_s": wall, "n_lines": panel.coverage["n_lines_used"], "cell_months": len(panel.frame)}


def run_pandas(path: Path, out: Path) -> dict:
    import numpy as np
    import pandas as pd

    from audit_lib.panel import tpd_index

    t = time.perf_counter()
    df = pd.read_parquet(path, columns=["order_date", "region", "category", "article_id", "quantity", "amount_sek"])
    ok = (df["amount_sek"] > 0) & (df["quantity"] > 0)
    df = df[ok]
    month = pd.to_datetime(df["order_date"]).dt.to_period("M")
    agg = (
        df.assign(month=month)
        .groupby(["category", "region", "month", "article_id"], observed=True, sort=False)
        .agg(spend=("amount_sek", "sum"), qty=("quantity", "sum"), n=("amount_sek", "size"))
        .reset_index()
    )
    del df, month
    cell, cells = pd.factorize(
        pd.MultiIndex.from_arrays([agg["category"].astype(str), agg["region"].astype(str)]), sort=True
    )
    m0 = agg["month"].min()
    m = np.asarray((agg["month"] - m0).map(lambda o: o.n), dtype=np.int64)
    art = pd.factorize(agg["article_id"].astype(str))[0]
    d = tpd_index(
        cell,
        m,
        art,
        np.log(agg["spend"] / agg["qty"]).to_numpy(),
        agg["spend"].to_numpy(),
        len(cells),
        int(m.max()) + 1,
        12,
    )
    cc, mm = np.nonzero(np.isfinite(d))
    frame = pd.DataFrame(
        {
            "category": [cells[i][0] for i in cc],
            "region": [cells[i][1] for i in cc],
            "month": [(m0 + int(k)).to_timestamp() for k in mm],
            "log_index": d[cc, mm],
        }
    )
    wall = time.perf_counter() - t
    frame.to_parquet(out)
    return {"wall_s": wall, "n_lines": int(agg["n"].sum()), "cell_months": len(frame)}


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB: ``VmHWM`` of ``/proc/self/status``.

    Not ``getrusage(...).ru_maxrss``: Linux carries that over ``exec`` from the forking parent,
    so a child started by a parent holding 300 MiB reported at least 300 MiB whatever it used.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def child(impl: str, path: Path, out: Path, threads: int | None) -> None:
    res = run_duckdb(path, out, threads) if impl == "duckdb" else run_pandas(path, out)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res["peak_rss_mib"] = peak_rss_mib()
    res["cpu_s"] = ru.ru_utime + ru.ru_stime  # whole process, imports included
    print("RESULT " + json.dumps(res))


def measure(impl: str, path: Path, threads: int | None) -> dict:
    out = WORK / f"panel_{impl}.parquet"
    cmd = [sys.executable, __file__, "--child", impl, "--path", str(path), "--out", str(out)]
    if threads:
        cmd += ["--threads", str(threads)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}",
            "process_s": time.perf_counter() - t,
        }
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    res = json.loads(line[len("RESULT ") :])
    res["process_s"] = time.perf_counter() - t
    res["output"] = str(out)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=50_000_000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--impl", nargs="+", choices=["duckdb", "pandas"], default=["duckdb", "pandas"])
    ap.add_argument("--child", choices=["duckdb", "pandas"])
    ap.add_argument("--path")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, Path(args.path), Path(args.out), args.threads)
        return
    import pandas as pd

    path, gen_s = generate(args.lines, args.regenerate)
    results = {
        "lines": args.lines,
        "file": str(path),
        "file_mib": path.stat().st_size / 2**20,
        "generate_s": gen_s,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_before": os.getloadavg(),
    }
    for impl in args.impl:
        results[impl] = measure(impl, path, args.threads)
    if all(i in results and "error" not in results[i] for i in ("duckdb", "pandas")):
        a = pd.read_parquet(results["duckdb"]["output"])
        b = pd.read_parquet(results["pandas"]["output"])
        m = a.merge(b, on=["category", "region", "month"], suffixes=("_duckdb", "_pandas"))
        results["same_cells"] = len(m) == len(a) == len(b)
        results["max_abs_diff_log_index"] = float((m["log_index_duckdb"] - m["log_index_pandas"]).abs().max())
    results["load_avg_after"] = os.getloadavg()
    WORK.mkdir(parents=True, exist_ok=True)
    name = "panel_benchmark.json" if len(args.impl) == 2 else f"panel_benchmark_{args.impl[0]}.json"
    (WORK / name).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.lines:,} lines, {results['file_mib']:.0f} MiB Parquet"
        + (f" (generated in {gen_s:.0f} s)" if gen_s else " (reused)")
    )
    for impl in args.impl:
        r = results[impl]
        if "error" in r:
            print(f"  {impl:7s} failed: {r['error']}")
        else:
            print(
                f"  {impl:7s} {r['wall_s']:6.1f} s wall, {r['cpu_s']:6.1f} s CPU (process), "
                f"peak {r['peak_rss_mib']:7.0f} MiB, {r['cell_months']} cell-months"
            )
    if "max_abs_diff_log_index" in results:
        print(f"  same index: {results['same_cells']}, largest difference {results['max_abs_diff_log_index']:.2e}")
    print(f"  load average before/after: {results['load_avg_before'][0]:.1f} / {results['load_avg_after'][0]:.1f}")


if __name__ == "__main__":
    main()
