"""The aggregations of ATT(g, t): simple, event time and group, with influence functions that
include the estimated group shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .panel import Panel


def group_shares(panel: Panel, groups: np.ndarray) -> np.ndarray:
    return np.array([(panel.weight * (panel.group == g)).mean() for g in groups])


def _weighted(panel: Panel, att: np.ndarray, IF: np.ndarray, groups: np.ndarray) -> tuple[float, np.ndarray]:
    """Estimates ``att`` of groups ``groups`` averaged with group-share weights; the influence
    function includes the estimated weights (``did``'s ``wif``)."""
    pg = group_shares(panel, groups)
    S = pg.sum()
    ind = panel.weight[:, None] * (panel.group[:, None] == groups[None, :]) - pg[None, :]
    wif = ind / S - ind.sum(axis=1, keepdims=True) * (pg / S**2)[None, :]
    return float(pg @ att / S), IF @ (pg / S) + wif @ att


def aggregate(
    panel: Panel, frame: pd.DataFrame, IF: np.ndarray
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Point estimates and influence functions of the aggregations, in the column order
    simple, event_time, group, per event time..., per group..."""
    ok = frame["att"].notna().to_numpy()
    att, G, E = frame["att"].to_numpy(), frame["group"].to_numpy(), frame["event_time"].to_numpy()
    post = ok & (E >= 0)
    est, cols = {}, {}
    est["simple"], cols["simple"] = _weighted(panel, att[post], IF[:, post], G[post])
    ev_est, ev_if = {}, {}
    for e in np.unique(E[ok]):
        k = ok & (E == e)
        ev_est[e], ev_if[e] = _weighted(panel, att[k], IF[:, k], G[k])
    pos = [e for e in ev_est if e >= 0]
    est["event_time"] = float(np.mean([ev_est[e] for e in pos]))
    cols["event_time"] = np.mean([ev_if[e] for e in pos], axis=0)
    gr_est, gr_if = {}, {}
    for g in np.unique(G[post]):
        k = post & (G == g)
        gr_est[g], gr_if[g] = float(att[k].mean()), IF[:, k].mean(axis=1)
    gs = np.array(list(gr_est))
    est["group"], cols["group"] = _weighted(
        panel, np.array([gr_est[g] for g in gs]), np.column_stack([gr_if[g] for g in gs]), gs
    )
    ev = pd.DataFrame({"event_time": list(ev_est), "att": list(ev_est.values())})
    gr = pd.DataFrame({"group": gs, "att": [gr_est[g] for g in gs]})
    IFagg = np.column_stack(
        [cols["simple"], cols["event_time"], cols["group"]] + list(ev_if.values()) + list(gr_if.values())
    )
    return est, ev, gr, IFagg
