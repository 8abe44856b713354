"""The price-index panel: hand-made purchase lines with known prices, the demo generator's
product-mix shift, and equality with a plain pandas computation of the same index."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audit_lib.contract.large import relation_sql
from audit_lib.contract.spec import TABLES
from audit_lib.demo import purchase_lines as pl
from audit_lib.panel import build_panel, tpd_index

SPEC = TABLES["purchase_lines"]


def write_lines(path, rows) -> str:
    """rows: (date, region, category, article, quantity, amount); returns the typed SQL."""
    cols = list(zip(*rows))
    table = pa.table(
        {
            "order_date": pa.array(cols[0], pa.date32()),
            "region": pa.array(cols[1]),
            "category": pa.array(cols[2]),
            "article_id": pa.array(cols[3]),
            "quantity": pa.array(cols[4], pa.float64()),
            "amount_sek": pa.array(cols[5], pa.float64()),
        }
    )
    pq.write_table(table, path)
    return relation_sql(path, SPEC)


def d(y, m, day=5):
    return dt.date(y, m, day)


def change(frame, cat="K", reg="S", col="log_index"):
    f = frame[(frame["category"] == cat) & (frame["region"] == reg)].sort_values("month")
    return f[col].to_numpy()


def test_same_price_rise_for_every_article_is_the_index_change(tmp_path):
    # both articles 10 % dearer in February; buyers switch to the cheap one in February
    rows = [
        (d(2024, 1), "S", "K", "cheap", 10, 100.0),
        (d(2024, 1), "S", "K", "dear", 10, 1000.0),
        (d(2024, 2), "S", "K", "cheap", 30, 330.0),
        (d(2024, 2), "S", "K", "dear", 2, 220.0),
    ]
    p = build_panel(write_lines(tmp_path / "l.parquet", rows), base_months=1)
    idx = change(p.frame)
    assert idx[1] - idx[0] == pytest.approx(np.log(1.1), abs=1e-12)
    # the unit value falls although every price rose: the mix shift
    uv = change(p.frame, col="log_unit_value")
    assert uv[1] - uv[0] < -0.5
    assert idx[0] == pytest.approx(0.0) and p.frame["index"].iloc[0] == pytest.approx(100.0)


def test_two_month_index_weights_articles_by_spend(tmp_path):
    """With two months the weighted TPD index is sum_a h_a r_a / sum_a h_a, h_a = w1 w2 / (w1 + w2)."""
    rows = [
        (d(2024, 1), "S", "K", "a", 1, 10.0),
        (d(2024, 1), "S", "K", "b", 1, 30.0),
        (d(2024, 2), "S", "K", "a", 1, 12.0),
        (d(2024, 2), "S", "K", "b", 1, 30.0),
    ]
    p = build_panel(write_lines(tmp_path / "l.parquet", rows), base_months=1)
    w1 = np.array([10, 30]) / 40
    w2 = np.array([12, 30]) / 42
    h = w1 * w2 / (w1 + w2)
    r = np.log([12 / 10, 1.0])
    assert np.diff(change(p.frame))[0] == pytest.approx(np.sum(h * r) / h.sum(), abs=1e-12)


def test_new_article_does_not_move_the_index(tmp_path):
    rows = [
        (d(2024, 1), "S", "K", "a", 5, 50.0),
        (d(2024, 2), "S", "K", "a", 5, 50.0),
        (d(2024, 2), "S", "K", "new", 1, 5000.0),
        (d(2024, 3), "S", "K", "a", 5, 55.0),
        (d(2024, 3), "S", "K", "new", 1, 5500.0),
    ]
    p = build_panel(write_lines(tmp_path / "l.parquet", rows), base_months=1)
    idx = change(p.frame)
    assert idx[1] == pytest.approx(0.0, abs=1e-12)
    assert idx[2] == pytest.approx(np.log(1.1), abs=1e-12)
    assert p.frame["n_articles"].tolist() == [1, 2, 2]


def test_lines_without_positive_amount_or_key_are_counted_not_used(tmp_path):
    rows = [
        (d(2024, 1), "S", "K", "a", 1, 10.0),
        (d(2024, 2), "S", "K", "a", 1, 11.0),
        (d(2024, 2), "S", "K", "a", 1, -11.0),  # a credit
        (d(2024, 2), "S", "K", "a", 2, 0.0),
        (d(2024, 2), None, "K", "a", 1, 99.0),  # no region
    ]
    p = build_panel(write_lines(tmp_path / "l.parquet", rows), base_months=1)
    c = p.coverage
    assert c["n_lines"] == 5 and c["n_lines_used"] == 2
    assert c["n_lines_not_positive"] == 2 and c["n_lines_missing_key"] == 1
    assert np.diff(change(p.frame))[0] == pytest.approx(np.log(1.1))


def test_months_without_a_common_article_are_not_comparable(tmp_path):
    rows = [
        (d(2024, 1), "S", "K", "a", 1, 10.0),
        (d(2024, 2), "S", "K", "a", 1, 10.0),
        (d(2024, 3), "S", "K", "b", 1, 99.0),  # nothing links March to January and February
    ]
    p = build_panel(write_lines(tmp_path / "l.parquet", rows), base_months=1)
    idx = change(p.frame)
    assert np.isfinite(idx[:2]).all() and np.isnan(idx[2])
    assert p.coverage["n_not_comparable"] == 1


def test_csv_with_decimal_comma_through_the_contract(tmp_path):
    path = tmp_path / "purchase_lines.csv"
    path.write_text(
        "order_date;region;category;article_id;quantity;amount_sek\n"
        "2024-01-03;SRM;Papper;P-1;2;20,50\n2024-02-03;SRM;Papper;P-1;2;22,55\n",
        encoding="utf-8",
    )
    p = build_panel(relation_sql(path, SPEC), base_months=1)
    assert np.diff(change(p.frame, "Papper", "SRM"))[0] == pytest.approx(np.log(1.1))


def pandas_reference(lines: pd.DataFrame, base_months: int = 12) -> pd.DataFrame:
    """The same index, computed in plain pandas (small data only)."""
    ok = (lines["amount_sek"] > 0) & (lines["quantity"] > 0)
    x = lines[ok].assign(month=lines["order_date"].dt.to_period("M"))
    agg = x.groupby(["category", "region", "month", "article_id"], as_index=False).agg(
        spend=("amount_sek", "sum"), qty=("quantity", "sum")
    )
    agg["cell"] = pd.factorize(pd.MultiIndex.from_arrays([agg["category"], agg["region"]]), sort=True)[0]
    m0 = agg["month"].min()
    agg["m"] = (agg["month"] - m0).map(lambda o: o.n)
    art = pd.factorize(agg["article_id"])[0]
    n_cells, n_months = agg["cell"].max() + 1, agg["m"].max() + 1
    dmat = tpd_index(
        agg["cell"].to_numpy(),
        agg["m"].to_numpy(),
        art,
        np.log(agg["spend"] / agg["qty"]).to_numpy(),
        agg["spend"].to_numpy(),
        n_cells,
        n_months,
        base_months,
    )
    keys = agg.drop_duplicates("cell").set_index("cell")[["category", "region"]]
    out = [
        (keys.loc[c, "category"], keys.loc[c, "region"], (m0 + m).to_timestamp(), dmat[c, m])
        for c in range(n_cells)
        for m in range(n_months)
        if np.isfinite(dmat[c, m])
    ]
    return pd.DataFrame(out, columns=["category", "region", "month", "log_index"])


def test_duckdb_panel_equals_pandas_reference_on_generated_lines(tmp_path):
    ro = pl.make_rollouts(["Papper", "Möbler"], ["SRM", "VML"], None, None, seed=3)
    path = tmp_path / "lines.parquet"
    pl.write_purchase_lines(path, ro, n_lines=20_000, seed=3, n_months=24)
    duck = build_panel(relation_sql(path, SPEC)).frame
    lines = pq.read_table(path).to_pandas()
    lines["order_date"] = pd.to_datetime(lines["order_date"])
    for c in ("region", "category", "article_id"):
        lines[c] = lines[c].astype(str)
    ref = pandas_reference(lines)
    merged = duck.merge(ref, on=["category", "region", "month"], suffixes=("", "_ref"))
    assert len(merged) == len(duck) == len(ref)
    assert np.allclose(merged["log_index"], merged["log_index_ref"], atol=1e-10)


def test_generator_mix_shift_moves_unit_values_not_the_index(tmp_path):
    """After e-commerce starts the demo buyers choose cheaper articles; no price changes."""
    ro = pl.make_rollouts(["A", "B", "C", "D"], ["SRM", "VML"], None, None, seed=9)
    ro["ecommerce_start"] = pd.Timestamp(2020, 1, 1)
    ro["category_management_start"] = pd.NaT
    ro["coordinated_contract_start"] = pd.NaT
    path = tmp_path / "lines.parquet"
    pl.write_purchase_lines(
        path,
        ro,
        n_lines=150_000,
        seed=9,
        effects={},
        mix_shift=0.5,
        category_shock_sd=0.0,
        cell_shock_sd=0.0,
        n_months=24,
    )
    f = build_panel(relation_sql(path, SPEC)).frame
    after = f["month"] >= pd.Timestamp(2020, 1, 1)
    trend = pl.MONTHLY_INFLATION * 12  # months 12..23 against 0..11
    idx_change = f.loc[after, "log_index"].mean() - f.loc[~after, "log_index"].mean()
    uv_change = f.loc[after, "log_unit_value"].mean() - f.loc[~after, "log_unit_value"].mean()
    assert idx_change == pytest.approx(trend, abs=0.005)
    assert uv_change < trend - 0.2


def test_generator_plants_the_effects(tmp_path):
    ro = pl.make_rollouts(["A", "B", "C"], ["SRM", "VML"], None, None, seed=5)
    ro["ecommerce_start"] = pd.Timestamp(2019, 7, 1)
    for c in ("category_management_start", "coordinated_contract_start"):
        ro[c] = pd.NaT
    path = tmp_path / "lines.parquet"
    pl.write_purchase_lines(
        path,
        ro,
        n_lines=60_000,
        seed=5,
        effects={"ecommerce": -0.10},
        mix_shift=0.0,
        category_shock_sd=0.0,
        cell_shock_sd=0.0,
        n_months=12,
    )
    f = build_panel(relation_sql(path, SPEC), base_months=6).frame
    after = f["month"] >= pd.Timestamp(2019, 7, 1)
    step = f.loc[after, "log_index"].mean() - f.loc[~after, "log_index"].mean()
    assert step == pytest.approx(-0.10 + 6 * pl.MONTHLY_INFLATION, abs=0.004)
    with pytest.raises(ValueError, match="unknown treatment"):
        pl.write_purchase_lines(path, ro, n_lines=10, seed=1, effects={"nonsense": 0.1})
