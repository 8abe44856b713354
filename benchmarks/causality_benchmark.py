"""Causality benchmark: the whole analysis against one fit of its estimator, in one run:
``python benchmarks/causality_benchmark.py`` (on demand, not in CI).

Issue 18's target: the causality notebook's analysis at most 3 x one fit of its estimator (the
imputation estimator, ``staggered.imputation``) on the same panel. On the demo package
(``data/demo``, ``audit demo-data data/demo``) for each year's parameters (2025: ``params/demo.yaml``,
2024: ``params/demo-2024.yaml``) it builds the price-index panel once and times, best of
``--repeat`` runs each:

- ``fit``: one fit of the imputation estimator on the estimation panel (``CausalityData.panel()``);
- ``panel``: the price-index panel from the purchase lines (ibis / DuckDB, ``engine.panel``);
- ``analyse_panel``: every step of the question from the built panel (estimates, jackknife
  intervals, pre-trend tests, TWFE, event studies, diagnostics, money);
- ``analyse``: ``causality.analyse()`` as the notebook calls it (the panel build included).

It prints the ratios to one fit and writes ``benchmarks/_work/causality_benchmark.json``.
Options: ``--data``, ``--repeat N`` (default 3), ``--year 2024|2025|both``, ``--out``. Wall times depend on
the machine's load: compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
PARAMS = {"2025": "params/demo.yaml", "2024": "params/demo-2024.yaml"}


def best(f: Callable[[], Any], repeat: int) -> float:
    """The shortest wall time of ``repeat`` calls (after one untimed warm-up call)."""
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(year: str, data: Path, repeat: int) -> dict[str, Any]:
    from audit_lib.notebook import start
    from audit_lib.questions import causality as cz
    from audit_lib.questions import common
    from audit_lib.stats import staggered
    from audit_lib.stats.threads import single_threaded_blas

    analysis = importlib.import_module("audit_lib.questions.causality.analysis")
    audit = start("causality", str(ROOT / PARAMS[year]), str(data), str(WORK / "results"), "en")
    sec, pkg = audit.section, audit.package
    level = audit.params.significance_level
    panel = analysis.purchase_panel(pkg.large["purchase_lines"], sec.index_base_months, audit.params.engine)
    view = common.procurement_view(pkg["procurements"], pkg["procurement_regions"])
    cz_data = cz.prepare(panel.frame, pkg["rollouts"], list(sec.treatments), sec.cluster, sec.min_cell_months)
    p = cz_data.panel()
    post = int(sec.event_window[1])
    fit = single_threaded_blas()(lambda: staggered.imputation(p, post))
    out = {
        "fit": best(fit, repeat),
        "panel": best(lambda: analysis.purchase_panel(pkg.large["purchase_lines"], sec.index_base_months), repeat),
        "analyse_panel": best(
            lambda: cz.analyse_panel(panel.frame, pkg["rollouts"], view, sec, audit.seed, level), repeat
        ),
        "analyse": best(lambda: cz.analyse(pkg, sec, audit.period, audit.seed, level), repeat),
    }
    out["analyse_panel_per_fit"] = out["analyse_panel"] / out["fit"]
    out["analyse_per_fit"] = out["analyse"] / out["fit"]
    out["panel_observations"] = int(len(p.y))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "demo"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", default="both", choices=["2024", "2025", "both"])
    ap.add_argument("--out", default=str(WORK / "causality_benchmark.json"))
    a = ap.parse_args()
    years = ["2025", "2024"] if a.year == "both" else [a.year]
    load = os.getloadavg()[0]
    res = {y: measure(y, Path(a.data), a.repeat) for y in years}
    for y, r in res.items():
        print(
            f"{y}: one fit {r['fit'] * 1000:.1f} ms, panel build {r['panel']:.2f} s, "
            f"analyse_panel {r['analyse_panel']:.2f} s ({r['analyse_panel_per_fit']:.0f} x one fit), "
            f"analyse {r['analyse']:.2f} s ({r['analyse_per_fit']:.0f} x one fit)"
        )
    WORK.mkdir(parents=True, exist_ok=True)
    meta = {"load_before": load, "load_after": os.getloadavg()[0], "machine": platform.machine(), "repeat": a.repeat}
    path = Path(a.out)
    path.write_text(json.dumps({"meta": meta, "years": res}, indent=1) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
