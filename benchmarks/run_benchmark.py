"""Runner benchmark, measured in one run: ``python benchmarks/run_benchmark.py`` (what each step
measures and the results so far: benchmarks/README.md, "Runner benchmark").

1. **Floor**: papermill on as many *empty* notebooks as the review has (a pool of 1 or 2
   workers, one kernel per notebook), and the whole runner on them.
2. **Full demo run** (``params/demo.yaml``, every notebook, no cache) with 1 and 2 jobs.
3. **Incremental reruns**: nothing changed, then ``q3_targets.forecast_level`` changed; with
   warm kernels on, the full run and that rerun again through ``audit run`` in a new process
   (imports and exit included, as a user sees them).
4. **Per notebook**: papermill's cell timings; the first cell split into imports and ``start()``.
5. **Kernel imports** in a fresh interpreter.

Steps 1 (the runner's part), 2 and 3 run with warm kernels off, then on (``--warm both``, the
default), under ``report["warm_off"]`` / ``["warm_on"]`` with their ratios; a table of both ends
the output. Writes ``benchmarks/_work/run_benchmark.json``. ``--quick`` skips the 1-job full run.
By default it runs on a snapshot of the last commit (``git archive HEAD``, imported through
``PYTHONPATH``, data and outputs linked), so that work in the tree cannot change the code
between the runs it compares; ``--here`` runs on the working tree. ``../shared`` is linked
beside the snapshot as it lies beside the repository, so the statistics notebook reads the real
exports there too (before 1 Dec 2026 it did not: it skipped that section in the benchmark).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
PY = sys.executable


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ 1. floor
def empty_notebook(path: Path, order: int) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["audit"] = {"order": order, "question": path.stem, "sections": []}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell('params_file = ""\ndata_dir = ""\nresults_dir = ""\nlanguage = ""')
    p.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json, pathlib\npathlib.Path(results_dir).mkdir(parents=True, exist_ok=True)\n"
        f"(pathlib.Path(results_dir) / '{path.stem}.json').write_text(json.dumps({{'status': 'ok'}}))"
    )
    nb.cells = [p, body]
    for i, c in enumerate(nb.cells):
        c["id"] = f"{path.stem}-{i}"
    nbformat.write(nb, str(path))


def _pm_one(src: str, dst: str, results: str) -> float:
    import papermill as pm

    t = time.perf_counter()
    pm.execute_notebook(
        src,
        dst,
        parameters={"params_file": "", "data_dir": "", "results_dir": results, "language": "sv"},
        kernel_name="python3",
        progress_bar=False,
    )
    return time.perf_counter() - t


def papermill_floor(folder: Path, n: int, jobs: int) -> dict:
    out = folder / f"out-{jobs}"
    out.mkdir(parents=True, exist_ok=True)
    srcs = sorted(folder.glob("e*.ipynb"))[:n]
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        per = list(
            pool.map(
                _pm_one, [str(s) for s in srcs], [str(out / s.name) for s in srcs], [str(out / "results")] * len(srcs)
            )
        )
    return {"wall_s": round(time.perf_counter() - t, 2), "per_notebook_s": round(statistics.mean(per), 2)}


# ------------------------------------------------------------------------------ runs
class PeakMemory:
    """Samples the memory of this process and all its descendants (kernels, workers) every
    0.1 s while a run lasts. ``peak_mib``: the largest sum of resident memory (RSS) seen, which
    counts a page shared by several processes once per process: forked warm kernels share
    their parent's imported modules, so it overstates them. ``peak_pss_mib``: the largest sum
    of proportional set sizes (a shared page divided among the processes sharing it), which is
    what the process tree occupies."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = pss = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    info = p.memory_full_info()
                except psutil.Error:
                    continue
                total += info.rss
                pss += getattr(info, "pss", info.rss)  # PSS: Linux only
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> int:
        return round(self.peak / 2**20)

    @property
    def peak_pss_mib(self) -> int:
        return round(self.peak_pss / 2**20)


def timed_run(
    params: Path, out: Path, jobs: int, force: bool, notebook_dir: Path | None = None, data_dir: Path | None = None
) -> dict:
    from audit_lib.run.runner import run

    kw = {"notebook_dir": notebook_dir} if notebook_dir else {}
    with PeakMemory() as mem:
        t = time.perf_counter()
        r = run(params, out_dir=out, jobs=jobs, force=force, data_dir=data_dir, progress=lambda m: None, **kw)
        wall = time.perf_counter() - t
    return {
        "wall_s": round(wall, 2),
        "peak_memory_mib": mem.peak_mib,
        "peak_pss_mib": mem.peak_pss_mib,
        "ok": r.ok,
        "executed": r.executed,
        "reused": r.reused,
        "why": {x.name: x.reason for x in r.runs if not x.reused},
        "per_notebook_s": {x.name: round(x.seconds, 2) for x in r.runs},
        "failed": [x.name for x in r.runs if x.status != "ok"],
        "source_sha256": r.manifest.get("code", {}).get("source_sha256"),
    }


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def bench_params(tag: str, edit: dict | None = None) -> Path:
    """A copy of params/demo.yaml in params/ (so its relative paths hold), optionally with one
    section key changed; removed at the end."""
    from audit_lib.run.newyear import set_section_key

    text = (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    for (section, key), value in (edit or {}).items():
        text = set_section_key(text, section, key, value)
    p = ROOT / "params" / f".bench-{tag}-{os.getpid()}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------------------ per notebook
def imports_of(nb_path: Path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    mods = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.append(node.module)
    return sorted(set(mods))


def fresh_import_s(modules: list[str], repeat: int = 2) -> float:
    stmt = "; ".join(f"import {m}" for m in modules) or "pass"
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
        for _ in range(repeat)
    ]
    return min(runs)


def load_s(name: str, run_dir: Path, data: Path) -> float:
    """``start()`` in a fresh interpreter after its imports: parameters, package, evidence."""
    code = (
        "import time, audit_lib.notebook as n\n"
        "t = time.perf_counter()\n"
        f"n.start({name!r}, 'params/demo.yaml', '', {str(run_dir / 'results')!r}, '')\n"
        "print(time.perf_counter() - t)\n"
    )
    return float(subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout)


PN_PARAMS = {"params_file": "params/demo.yaml", "data_dir": "", "results_dir": "results", "language": "sv"}


def per_notebook(folder: Path, data: Path) -> list[dict]:
    """Each notebook once through papermill, keeping papermill's cell timings."""
    import papermill as pm

    from audit_lib.contract import validate_package
    from audit_lib.run.manifest import input_hashes, write_validation_stamp
    from audit_lib.run.notebooks import discover

    run_dir = folder / "pn"
    (run_dir / "results").mkdir(parents=True, exist_ok=True)
    package, _ = validate_package(data)
    write_validation_stamp(run_dir, data, input_hashes(package.files))
    rows = []
    for info in discover():
        dst = run_dir / f"{info.name}.ipynb"
        t = time.perf_counter()
        try:
            pm.execute_notebook(
                str(info.path),
                str(dst),
                kernel_name="python3",
                cwd=str(run_dir),
                progress_bar=False,
                parameters=PN_PARAMS,
            )
            ok = True
        except Exception:
            ok = False
        wall = time.perf_counter() - t
        nb = nbformat.read(str(dst), as_version=4)
        cells = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells if c.cell_type == "code"]
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        first = next((i for i, c in enumerate(code_cells) if "start(" in c.source), None)
        in_kernel = sum(cells)
        imports = fresh_import_s(imports_of(info.path))
        row = {
            "notebook": info.name,
            "ok": ok,
            "wall_s": round(wall, 2),
            "kernel_start_and_papermill_s": round(wall - in_kernel, 2),
            "in_kernel_s": round(in_kernel, 2),
            "first_cell_s": round(cells[first], 2) if first is not None else None,
            "imports_fresh_s": round(imports, 2),
        }
        if first is not None:
            row["start_load_s"] = round(load_s(info.name, run_dir, data), 2)
            row["analysis_and_display_s"] = round(in_kernel - cells[first], 2)
        rows.append(row)
        say(f"  {info.name}: {row}")
    return rows


# ------------------------------------------------------------------------------ kernel imports
def import_costs() -> dict:
    out = {}
    for mods in (
        ["audit_lib.notebook"],
        ["nbformat"],
        ["papermill"],
        ["statsmodels.api"],
        ["pandera.pandas"],
        ["pyfixest"],
        ["matplotlib.pyplot"],
        ["duckdb"],
        ["pandas"],
        ["scipy.stats"],
    ):
        try:
            out[" + ".join(mods)] = round(fresh_import_s(mods, repeat=3), 2)
        except subprocess.CalledProcessError:
            out[" + ".join(mods)] = None
    code = "import sys, audit_lib.notebook; print(','.join(m for m in ('nbformat','statsmodels','pyfixest','pandera','matplotlib','duckdb') if m in sys.modules))"
    out["modules_loaded_by_audit_lib.notebook"] = subprocess.run(
        [PY, "-c", code], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return out


def ratios(report: dict, part: dict) -> dict:
    """The issue's targets as ratios within this run: full 2-job run against the 2-job floor
    (target <= 2), one-parameter rerun against the full 2-job run (target <= 0.2). ``part`` is
    the runs with warm kernels off or on (``report["warm_off"]``, ``report["warm_on"]``)."""
    full = part["full_run"]["jobs_2"]["wall_s"]
    return {
        "full_2_jobs_over_floor_2_jobs": round(full / report["floor_papermill"]["jobs_2"]["wall_s"], 2),
        "full_2_jobs_over_runner_floor_2_jobs": round(
            full / part["floor_runner_empty_notebooks"]["jobs_2"]["wall_s"], 2
        ),
        "rerun_one_parameter_over_full_2_jobs": round(part["rerun_one_parameter"]["wall_s"] / full, 2),
        "peak_memory_full_2_jobs_mib": part["full_run"]["jobs_2"]["peak_memory_mib"],
        "peak_pss_full_2_jobs_mib": part["full_run"]["jobs_2"]["peak_pss_mib"],
    }


@contextmanager
def one_parameter_changed(params: Path) -> Iterator[None]:
    """``params`` (the same file) with ``q3_targets.forecast_level`` 0.85 while the block runs,
    as it was afterwards: the one-parameter rerun of step 3."""
    base = params.read_text(encoding="utf-8")
    changed = bench_params("changed", {("q3_targets", "forecast_level"): 0.85})
    try:
        shutil.copy(changed, params)
        yield
    finally:
        changed.unlink(missing_ok=True)
        params.write_text(base, encoding="utf-8")


def runs(report: dict, tmp: Path, empty: Path, params: Path, quick: bool, tag: str) -> dict:
    """Steps 1 (the runner on empty notebooks), 2 and 3 with the warm-kernel setting in force."""
    part: dict = {
        "floor_runner_empty_notebooks": {
            f"jobs_{j}": timed_run(params, tmp / f"empty-run-{tag}-{j}", j, True, notebook_dir=empty) for j in (1, 2)
        }
    }
    say(f"2. full demo run ({tag})")
    full = {}
    for j in (2,) if quick else (1, 2):
        full[f"jobs_{j}"] = timed_run(params, tmp / f"full-{tag}-{j}", j, True)
        say(f"  jobs={j}: {full[f'jobs_{j}']['wall_s']} s")
    part["full_run"] = full
    if "jobs_1" in full:  # the same run twice, into different folders, 1 and 2 jobs
        a, b = _files(tmp / f"full-{tag}-1"), _files(tmp / f"full-{tag}-2")
        full["differing_files_1_vs_2_jobs"] = sorted(
            k for k in (set(a) | set(b)) - {"manifest.json"} if a.get(k) != b.get(k)
        )
    say(f"3. incremental reruns into the 2-job output ({tag})")
    part["rerun_unchanged"] = timed_run(params, tmp / f"full-{tag}-2", 2, False)
    with one_parameter_changed(params):
        part["rerun_one_parameter"] = {
            "change": "q3_targets.forecast_level 0.80 -> 0.85",
            **timed_run(params, tmp / f"full-{tag}-2", 2, False),
        }
    part["ratios"] = ratios(report, part)
    if tag == "on":
        part["cli"] = cli_runs(tmp, params)
    return part


def cli_run(params: Path, out: Path, force: bool) -> float:
    """Wall time of ``audit run PARAMS --jobs 2`` as a user types it: a new process, so its
    imports, the run and its exit are all counted (the runs above call ``run()`` in this
    process, whose imports are paid once, before any timing)."""
    cmd = [
        PY,
        "-m",
        "audit_lib.cli",
        "run",
        str(params),
        "--jobs",
        "2",
        "--out",
        str(out),
        *(["--force"] if force else []),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return round(time.perf_counter() - t, 2)


def cli_runs(tmp: Path, params: Path) -> dict:
    """The full run and the one-parameter rerun through the command line (warm kernels on)."""
    say("3b. the same through the command line (audit run)")
    out = tmp / "cli"
    full = cli_run(params, out, True)
    with one_parameter_changed(params):
        rerun = cli_run(params, out, False)
    return {"full_2_jobs_s": full, "rerun_one_parameter_s": rerun, "rerun_over_full": round(rerun / full, 2)}


def table(report: dict) -> str:
    """The summary table for benchmarks/README.md (one column per warm-kernel setting)."""
    modes = [m for m in ("off", "on") if f"warm_{m}" in report]
    fp = report["floor_papermill"]
    rows = {
        "papermill floor, 1 / 2 jobs (s)": lambda p: f"{fp['jobs_1']['wall_s']} / {fp['jobs_2']['wall_s']}",
        "runner on empty notebooks, 1 / 2 jobs (s)": lambda p: " / ".join(
            str(p["floor_runner_empty_notebooks"][f"jobs_{j}"]["wall_s"]) for j in (1, 2)
        ),
        "full run, 1 job (s)": lambda p: p["full_run"].get("jobs_1", {}).get("wall_s", "-"),
        "full run, 2 jobs (s)": lambda p: p["full_run"]["jobs_2"]["wall_s"],
        "full 2 jobs / papermill floor 2 jobs": lambda p: p["ratios"]["full_2_jobs_over_floor_2_jobs"],
        "rerun, nothing changed (s)": lambda p: p["rerun_unchanged"]["wall_s"],
        "rerun, one parameter (s)": lambda p: p["rerun_one_parameter"]["wall_s"],
        "one-parameter rerun / full 2 jobs": lambda p: p["ratios"]["rerun_one_parameter_over_full_2_jobs"],
        "peak memory, full 2 jobs, sum of RSS (MiB)": lambda p: p["ratios"]["peak_memory_full_2_jobs_mib"],
        "peak memory, full 2 jobs, sum of PSS (MiB)": lambda p: p["ratios"]["peak_pss_full_2_jobs_mib"],
    }
    cli = report.get("warm_on", {}).get("cli")
    if cli:  # measured with warm kernels on only
        rows["`audit run` full, 2 jobs / one-parameter rerun (s)"] = lambda p: (
            f"{p['cli']['full_2_jobs_s']} / {p['cli']['rerun_one_parameter_s']}" if "cli" in p else "-"
        )
        rows["`audit run` one-parameter rerun / full"] = lambda p: p["cli"]["rerun_over_full"] if "cli" in p else "-"
    lines = ["| | " + " | ".join(f"warm kernels {m}" for m in modes) + " |", "|---|" + "---:|" * len(modes)]
    lines += [
        f"| {name} | " + " | ".join(str(get(report[f"warm_{m}"])) for m in modes) + " |" for name, get in rows.items()
    ]
    return "\n".join(lines)


def in_snapshot(argv: list[str]) -> int:
    """Run this script again on ``git archive HEAD`` (see the module docstring)."""
    top = Path(tempfile.mkdtemp(prefix="audit-bench-snap-"))
    snap = top / ROOT.name
    snap.mkdir()
    if (ROOT.parent / "shared").is_dir():  # ../shared beside the repository, as the parameters expect
        (top / "shared").symlink_to(ROOT.parent / "shared")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(snap)], input=archive, check=True)
        for link in ("data", "outputs"):
            if (ROOT / link).exists():
                shutil.rmtree(snap / link, ignore_errors=True)
                (snap / link).symlink_to(ROOT / link)
        env = {**os.environ, "PYTHONPATH": str(snap / "src"), "AUDIT_BENCH_COMMIT": commit}
        say(f"benchmarking the last commit {commit[:12]} in {snap}")
        code = subprocess.run([PY, str(snap / "benchmarks" / "run_benchmark.py"), "--here", *argv], env=env).returncode
        result = snap / "benchmarks" / "_work" / "run_benchmark.json"
        if result.is_file():
            WORK.mkdir(parents=True, exist_ok=True)
            shutil.copy(result, WORK / "run_benchmark.json")
        return code
    finally:
        shutil.rmtree(top, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1-job full run")
    ap.add_argument("--pdf", action="store_true", help="also make the site's PDF in every run (off: AUDIT_PDF=0)")
    ap.add_argument("--here", action="store_true", help="run on the working tree, not a snapshot of HEAD")
    ap.add_argument("--no-per-notebook", action="store_true", help="skip steps 4 and 5 (per notebook, imports)")
    ap.add_argument("--warm", choices=("off", "on", "both"), default="both", help="steps 1-3 with warm kernels")
    args = ap.parse_args()
    if not args.here:
        return in_snapshot([a for a in sys.argv[1:] if a != "--here"])
    if not args.pdf:
        os.environ["AUDIT_PDF"] = "0"  # the site's PDF (headless Chromium) is not the runner's time
    from audit_lib.params import load_params
    from audit_lib.run.notebooks import discover

    demo = load_params(ROOT / "params" / "demo.yaml")
    data = demo.data_path
    if not (data / "procurements.csv").exists():
        from audit_lib.demo.generate import generate

        say(f"generating the demo package in {data}")
        generate(data)
    notebooks = discover()
    n = len(notebooks)
    report: dict = {
        "code": os.environ.get("AUDIT_BENCH_COMMIT") or "working tree",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "notebooks": [x.name for x in notebooks],
        "pdf": os.environ.get("AUDIT_PDF"),
    }
    tmp = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    made: list[Path] = []
    try:
        say(f"1. floor: {n} empty notebooks")
        empty = tmp / "empty"
        empty.mkdir()
        for i in range(n):
            empty_notebook(empty / f"e{i:02d}.ipynb", 10 + i)
        report["floor_papermill"] = {f"jobs_{j}": papermill_floor(empty, n, j) for j in (1, 2)}
        params = bench_params("base")
        made.append(params)
        for mode in ("off", "on") if args.warm == "both" else (args.warm,):
            os.environ["AUDIT_WARM_KERNELS"] = "1" if mode == "on" else "0"  # read by the runner's workers
            say(f"1-3 with warm kernels {mode}")
            report[f"warm_{mode}"] = runs(report, tmp, empty, params, args.quick, mode)
        os.environ.pop("AUDIT_WARM_KERNELS", None)
        if not args.no_per_notebook:
            say("4. per notebook")
            report["per_notebook"] = per_notebook(tmp, data)
            say("5. imports")
            report["imports_fresh_interpreter_s"] = import_costs()
        report["machine"]["load_avg_end"] = os.getloadavg()
    finally:
        for p in made:
            p.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "run_benchmark.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    print(table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
