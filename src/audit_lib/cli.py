"""The ``audit`` command: thin over ``audit_lib.run`` and ``audit_lib.contract``.

    audit validate DATA_DIR
    audit demo-data OUT_DIR [--lines N] [--seed S]
    audit run PARAMS [--data DIR] [--out DIR] [--only NAME ...] [--jobs N] [--language sv|en] [--force]
    audit verify OUT_DIR [--strict] [--keep DIR]
    audit new-year YEAR --from PARAMS [--out FILE] [--previous-out DIR]

Exit codes: 0 success; 1 the data package or a notebook failed, or a run does not verify;
2 bad usage or parameters.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _validate(args: argparse.Namespace) -> int:
    from .contract import validate_package

    package, report = validate_package(args.data_dir)
    print(report.format())
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
        print(f"audit demo-data: {out} exists and is not a demo package written by this command; it is never "
              "overwritten. Choose a new or empty folder. Nothing was written.", file=sys.stderr)
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
        result = run(args.params, data_dir=args.data, out_dir=args.out, only=args.only, jobs=args.jobs,
                     language=args.language, force=args.force)
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="audit", description="Reproducible audit notebooks for procurement audits.")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a data package against the contract")
    v.add_argument("data_dir", type=Path)
    v.set_defaults(func=_validate)

    d = sub.add_parser("demo-data", help="write the seeded demo data package")
    d.add_argument("out_dir")
    d.add_argument("--lines", type=int, default=2_000_000, help="purchase lines to generate (default 2,000,000)")
    d.add_argument("--seed", type=int, default=20251027)
    d.set_defaults(func=_demo_data)

    r = sub.add_parser("run", help="run the review: notebooks -> HTML findings")
    r.add_argument("params", type=Path, help="parameters file, e.g. params/demo.yaml")
    r.add_argument("--data", default=None, help="data package folder (default: data_dir of PARAMS)")
    r.add_argument("--out", default=None, help="output folder (default: outputs/<run_name>)")
    r.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these notebooks")
    r.add_argument("--jobs", type=int, default=1, help="notebooks run in parallel processes")
    r.add_argument("--language", choices=["sv", "en"], default=None, help="report language (default: PARAMS)")
    r.add_argument("--force", action="store_true",
                   help="execute every notebook (by default a notebook whose code, parameters and inputs are "
                        "unchanged since the last run into the same folder is reused)")
    r.add_argument("--engine", choices=["duckdb", "spark"], default=None,
                   help="where the purchase lines are processed (default: engine.backend of PARAMS, duckdb)")
    r.set_defaults(func=_run)

    ve = sub.add_parser("verify", help="re-execute a finished run and report every difference")
    ve.add_argument("out_dir", type=Path, help="the output folder of a run (with manifest.json)")
    ve.add_argument("--strict", action="store_true",
                    help="count reports whose provenance appendix alone differs as differences")
    ve.add_argument("--keep", default=None, metavar="DIR", help="keep the rerun in DIR")
    ve.set_defaults(func=_verify)

    ny = sub.add_parser("new-year", help="scaffold next year's parameters and evidence register")
    ny.add_argument("year", type=int)
    ny.add_argument("--from", dest="from_params", type=Path, required=True, metavar="PARAMS",
                    help="last year's parameters file, e.g. params/2025.yaml")
    ny.add_argument("--out", type=Path, default=None, metavar="FILE",
                    help="the new parameters file (default: beside PARAMS, named after the new run)")
    ny.add_argument("--previous-out", type=Path, default=None, metavar="DIR",
                    help="last year's output folder, if not outputs/<run name>")
    ny.set_defaults(func=_new_year)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except OSError as e:  # a folder that cannot be read or written: a message, not a traceback
        where = f" ({e.filename})" if e.filename else ""
        print(f"audit {args.command}: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"audit {args.command}: interrupted; nothing half-written was published.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
