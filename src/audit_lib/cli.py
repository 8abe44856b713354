"""The ``audit`` command: thin over ``audit_lib.run`` and ``audit_lib.contract``.

    audit validate DATA_DIR [--params PARAMS] [--engine duckdb|spark]
    audit demo-data OUT_DIR [--lines N] [--seed S]
    audit run PARAMS [--data DIR] [--out DIR] [--only NAME ...] [--jobs N] [--language sv|en] [--force]
              [--engine duckdb|spark]
    audit verify OUT_DIR [--strict] [--keep DIR]
    audit new-year YEAR --from PARAMS [--out FILE] [--previous-out DIR]
    audit sample PARAMS [--data DIR] [--out FILE] [--seed S]
    audit sign OUT_DIR --role preparer|reviewer|fact_check --name NAME [--note TEXT]

Exit codes: 0 success; 1 the data package or a notebook failed, or a run does not verify;
2 bad usage or parameters.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .contract.package import DataPackage
    from .params import RunParams, SamplingParams
    from .sampling import Sample


def _validate(args: argparse.Namespace) -> int:
    from .contract import validate_package
    from .engine import engine_settings
    from .params import ParamsError, load_params

    regions, engine = None, args.engine
    if args.params is not None:
        try:
            params = load_params(args.params)
        except ParamsError as e:
            print(str(e), file=sys.stderr)
            return 2
        regions = list(params.regions)
        engine = params.engine.with_backend(args.engine) if args.engine else params.engine
    if engine_settings(engine)["backend"] == "duckdb":
        package, report = validate_package(args.data_dir, regions=regions)
    else:  # purchase_lines checked where it lives
        from .engine.validate import validate_package as validate_on_engine

        package, report = validate_on_engine(args.data_dir, engine, regions)
    print(report.format())
    if regions is None:
        print(
            "Region codes were not checked against parameters: give --params PARAMS to check them (`audit run` does)."
        )
    if report.ok:
        n = {k: len(v) for k, v in package.tables.items()}
        n.update({k: v.n_rows for k, v in package.large.items()})
        print("Tables: " + ", ".join(f"{k} ({v} rows)" for k, v in sorted(n.items())))
        print("The data package is valid." if not report.warnings else "The data package is valid (with warnings).")
        return 0
    return 1


def _demo_data(args: argparse.Namespace) -> int:
    from .demo.generate import generate

    out = Path(args.out_dir)
    if str(args.out_dir).strip() == "":
        print("audit demo-data: the folder is empty (an unset shell variable?); nothing was written.", file=sys.stderr)
        return 2
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "PLANTED.json").is_file())):
        print(
            f"audit demo-data: {out} exists and is not a demo package written by this command; it is never "
            "overwritten. Choose a new or empty folder. Nothing was written.",
            file=sys.stderr,
        )
        return 2
    pkg = generate(out, n_lines=args.lines, seed=args.seed)
    print(f"Demo data package written to {pkg.path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .run.runner import RunError, run

    for flag, value in (("--data", args.data), ("--out", args.out)):
        if value is not None and value.strip() == "":
            print(f"audit run: {flag} is empty (an unset shell variable?); nothing was run.", file=sys.stderr)
            return 2
    try:
        result = run(
            args.params,
            data_dir=args.data,
            out_dir=args.out,
            only=args.only,
            jobs=args.jobs,
            language=args.language,
            force=args.force,
            engine=args.engine,
        )
    except RunError as e:
        print(str(e), file=sys.stderr)
        return e.exit_code
    print(result.out_dir / "index.html")
    return 0 if result.ok else 1


def _verify(args: argparse.Namespace) -> int:
    from .run.verify import verify

    keep = None
    if args.keep is not None:
        if args.keep.strip() == "":
            print("audit verify: --keep is empty (an unset shell variable?); nothing was run.", file=sys.stderr)
            return 2
        keep = Path(args.keep)
    try:
        report = verify(args.out_dir, strict=args.strict, keep=keep)
    except (FileNotFoundError, ValueError) as e:
        print(str(e), file=sys.stderr)
        return 2
    print(report.format())
    return 0 if report.ok else 1


def _new_year(args: argparse.Namespace) -> int:
    from .evidence import EvidenceError
    from .params import ParamsError
    from .run.newyear import NewYearError, new_year

    try:
        result = new_year(args.year, args.from_params, out=args.out, previous_out=args.previous_out)
    except (NewYearError, ParamsError, EvidenceError) as e:
        print(str(e), file=sys.stderr)
        return 2
    print(result.format())
    print(f"Next: fill in the register, then `audit run {result.params_file}`.")
    return 0


class _Stop(Exception):
    """A command stops with this exit code after printing its message to stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _sample_package(args: argparse.Namespace) -> tuple[RunParams, SamplingParams, Path, DataPackage]:
    """The parameters, their sampling section, the data folder and its validated package."""
    from .contract import validate_package
    from .params import ParamsError, load_params

    try:
        params = load_params(args.params)
    except ParamsError as e:
        raise _Stop(2, str(e)) from e
    sp = params.sampling
    if sp is None:
        raise _Stop(2, f"{args.params}: no 'sampling' section (give size, or tolerable_misstatement_sek)")
    data = args.data.resolve() if args.data else params.data_path
    if data is None:
        raise _Stop(2, f"{args.params}: no data_dir; give the data package with --data")
    package, report = validate_package(
        data,
        check_large_tables=False,  # only the small tables are read
        regions=list(params.regions),
    )
    if not report.ok:
        raise _Stop(1, f"The data package {data} breaks the contract; nothing was sampled.\n{report.format()}")
    return params, sp, data, package


def _draw_sample(
    args: argparse.Namespace, params: RunParams, sp: SamplingParams, package: DataPackage
) -> tuple[Sample, int]:
    """The monetary-unit sample of the audit year (with its risk stratum) and the seed it used:
    the one a run draws (``questions.sampling.draw_sample``, on the package as the audited
    period sees it)."""
    from .contract.period import Period, see_period
    from .questions.sampling import draw_sample
    from .report.texts import Texts
    from .sampling import SamplingError

    seed = params.seed if args.seed is None else args.seed
    try:
        sample = draw_sample(see_period(package, Period.of(params)), params, Texts(params.language), seed)
    except SamplingError as e:
        raise _Stop(2, f"{args.params}: {e}") from e
    return sample, seed


def _write_sample(sample: Sample, out: Path, data: Path) -> None:
    """Write the sample's items as CSV, never into the data folder nor over a file it did not write."""
    from .sampling import sample_csv

    text = sample_csv(sample)
    header = text.split("\n", 1)[0]
    if out == data or data in out.parents:
        raise _Stop(2, f"audit sample: {out} is inside the data folder {data}; a sample is never written there.")
    if out.exists() and (
        not out.is_file() or out.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0] != header
    ):
        raise _Stop(
            2,
            f"audit sample: {out} exists and is not a sample written by this command; it is never overwritten. "
            "Choose another --out.",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, out)


def _evaluate_outcomes(sample: Sample, sp: SamplingParams, outcomes_path: Path) -> None:
    """Print the evaluation of the recorded file-review outcomes against the tolerable misstatement."""
    from .sampling import evaluate_sample, read_outcomes

    try:
        outcomes = read_outcomes(outcomes_path)
        ev = evaluate_sample(sample, outcomes, sp.tolerable_misstatement_sek)
    except (OSError, ValueError, KeyError) as e:
        raise _Stop(1, f"{outcomes_path}: {e}") from e
    es = ev.summary()
    verdict = {
        None: "no tolerable misstatement given",
        True: "EXCEEDS the tolerable misstatement",
        False: "below the tolerable misstatement",
    }[es["exceeds_tolerable"]]
    print(
        f"Evaluation of {es['n_misstatements']} misstatement(s): projected {es['projected_misstatement_sek']:,.0f} SEK, "
        f"upper misstatement limit {es['upper_misstatement_limit_sek']:,.0f} SEK ({verdict})"
    )


def _sample(args: argparse.Namespace) -> int:
    """Monetary-unit sample of the audit year's procurements (``audit_lib.sampling``) to CSV,
    with the evaluation of the recorded file-review outcomes when there are any (``sampling.outcomes_file``,
    else ``sampling-outcomes.csv`` in the evidence register's folder)."""
    from .run.notebooks import PROJECT_ROOT
    from .sampling import outcomes_path as find_outcomes

    try:
        params, sp, data, package = _sample_package(args)
        sample, seed = _draw_sample(args, params, sp, package)
        out = (args.out or PROJECT_ROOT / "outputs" / f"{params.run_name}.sample.csv").resolve()
        _write_sample(sample, out, data)
        s = sample.summary()
        print(
            f"{s['selected']} procurements selected ({s['n_risk']} risk stratum, {s['n_certainty']} certainty, "
            f"{s['n_pps']} by monetary unit); interval {s['interval_sek']:,.0f} SEK, {s['size']} selection points, "
            f"seed {seed}, random start {s['random_start_sek']:,.2f} -> {out}"
        )
        outcomes_path = find_outcomes(params)
        if outcomes_path is not None:
            _evaluate_outcomes(sample, sp, outcomes_path)
    except _Stop as stop:
        print(str(stop), file=sys.stderr)
        return stop.code
    return 0


def _sign(args: argparse.Namespace) -> int:
    from .run.signoff import SignError, sign

    try:
        sig = sign(args.out_dir, args.role, args.name, args.note or "")
    except SignError as e:
        print(str(e), file=sys.stderr)
        return 2
    if sig.finalized:
        print(
            f"The run is final: the draft banner was removed from {len(sig.finalized)} page(s); site and PDF rebuilt."
        )
    print(
        f"Signed by {sig.name} ({sig.role}) on {sig.date}: {len(sig.files)} files recorded in "
        f"{args.out_dir / 'signatures.json'}."
    )
    return 0


def _add_data_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser("validate", help="check a data package against the contract")
    v.add_argument("data_dir", type=Path)
    v.add_argument(
        "--params",
        type=Path,
        default=None,
        metavar="PARAMS",
        help="parameters file whose region codes the package's codes must match (as `audit run`)",
    )
    v.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default=None,
        help="where purchase_lines is checked (default: engine.backend of PARAMS, duckdb)",
    )
    v.set_defaults(func=_validate)

    d = sub.add_parser("demo-data", help="write the seeded demo data package")
    d.add_argument("out_dir")
    d.add_argument("--lines", type=int, default=2_000_000, help="purchase lines to generate (default 2,000,000)")
    d.add_argument("--seed", type=int, default=20251027)
    d.set_defaults(func=_demo_data)


def _add_run_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser("run", help="run the review: notebooks -> HTML findings")
    r.add_argument("params", type=Path, help="parameters file, e.g. params/demo.yaml")
    r.add_argument("--data", default=None, help="data package folder (default: data_dir of PARAMS)")
    r.add_argument("--out", default=None, help="output folder (default: outputs/<run_name>)")
    r.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these notebooks")
    r.add_argument("--jobs", type=int, default=1, help="notebooks run in parallel processes")
    r.add_argument("--language", choices=["sv", "en"], default=None, help="report language (default: PARAMS)")
    r.add_argument(
        "--force",
        action="store_true",
        help="execute every notebook (by default a notebook whose code, parameters and inputs are "
        "unchanged since the last run into the same folder is reused)",
    )
    r.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default=None,
        help="where the purchase lines are processed (default: engine.backend of PARAMS, duckdb)",
    )
    r.set_defaults(func=_run)

    ve = sub.add_parser("verify", help="re-execute a finished run and report every difference")
    ve.add_argument("out_dir", type=Path, help="the output folder of a run (with manifest.json)")
    ve.add_argument(
        "--strict", action="store_true", help="count reports whose provenance appendix alone differs as differences"
    )
    ve.add_argument("--keep", default=None, metavar="DIR", help="keep the rerun in DIR")
    ve.set_defaults(func=_verify)


def _add_year_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ny = sub.add_parser("new-year", help="scaffold next year's parameters and evidence register")
    ny.add_argument("year", type=int)
    ny.add_argument(
        "--from",
        dest="from_params",
        type=Path,
        required=True,
        metavar="PARAMS",
        help="last year's parameters file, e.g. params/2025.yaml",
    )
    ny.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="the new parameters file (default: beside PARAMS, named after the new run)",
    )
    ny.add_argument(
        "--previous-out",
        type=Path,
        default=None,
        metavar="DIR",
        help="last year's output folder, if not outputs/<run name>",
    )
    ny.set_defaults(func=_new_year)

    sa = sub.add_parser("sample", help="monetary-unit sample of the audit year's procurements for file review")
    sa.add_argument("params", type=Path, help="parameters file with a 'sampling' section")
    sa.add_argument("--data", type=Path, default=None, help="data package folder (default: data_dir of PARAMS)")
    sa.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="the sample as CSV (default: outputs/<run name>.sample.csv)",
    )
    sa.add_argument("--seed", type=int, default=None, help="random start seed (default: seed of PARAMS)")
    sa.set_defaults(func=_sample)

    sg = sub.add_parser("sign", help="sign a finished run (a reviewer's signature makes it final)")
    sg.add_argument("out_dir", type=Path, help="the output folder of a run")
    sg.add_argument("--role", required=True, choices=["preparer", "reviewer", "fact_check"])
    sg.add_argument("--name", required=True)
    sg.add_argument("--note", default=None, metavar="TEXT")
    sg.set_defaults(func=_sign)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="audit", description="Reproducible audit notebooks for procurement audits.")
    sub = p.add_subparsers(dest="command", required=True)
    _add_data_commands(sub)
    _add_run_commands(sub)
    _add_year_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except OSError as e:  # a folder that cannot be read or written: a message, not a traceback
        where = f" ({e.filename})" if e.filename else ""
        print(f"audit {args.command}: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"audit {args.command}: interrupted; nothing half-written was published.", file=sys.stderr)
        return 130


def entry(argv: list[str] | None = None) -> int:
    """The ``audit`` command: :func:`main`, then the collector frozen, so that the interpreter's
    last collection at exit skips what the imports made (0.9 s after each run). Temporary folders
    still go (atexit finalizers); callers of :func:`main` (the tests) keep their collector."""
    code = main(argv)
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(entry())
