"""The selection against its agglomeration and the whole Pôle, per inhabitant.

Every value is a `metrics.reading` of a ratio metric (per 1 000 inhabitants, per inhabitant,
the taux de valorisation), so the overview, the thematic pages and the commune fiche compare
with the same figures and the same coverage rule as the cards and the map.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from . import fmt, metrics
from .labels import PMA_SHORT
from .selection import Selection, zones

# The overview's comparison: solar and investments side by side.
OVERVIEW_METRICS = ("pv_sites_per_1000", "pv_kwh_per_inhabitant", "investment_eur_per_inhabitant", "jobs_per_1000")
SOLAR_METRICS = ("pv_sites_per_1000", "pv_w_per_inhabitant", "pv_kwh_per_inhabitant")
INVESTMENT_METRICS = ("investment_eur_per_inhabitant", "jobs_per_1000")


def per_inhabitant(values: pd.DataFrame, communes: pd.DataFrame, sel: Selection, year: int | None,
                   keys: Iterable[str] = OVERVIEW_METRICS) -> pd.DataFrame:
    """One row per (zone, metric): value, coverage, demo flag, source and gap = zone ÷ PMA − 1.

    `values`: metrics_solar and metrics_investments (a tuple); `communes`: communes_list (code, name, epci). Yearly metrics
    are read for `year`, the others (projects since 2020) over every year."""
    rows = []
    for zone in zones(communes, sel):
        for key in keys:
            r = metrics.reading(values, communes, key, year, zone.codes)
            rows.append({"zone": zone.name, "kind": zone.kind, "metric": key, "label": r.metric.label,
                         "unit": r.metric.unit, "decimals": r.metric.decimals, "per_inhabitant": r.value,
                         "coverage": r.coverage, "is_demo": r.demo, "source": r.source})
    out = pd.DataFrame(rows)
    pma = out[out["kind"] == "pma"].set_index("metric")["per_inhabitant"]
    out["gap"] = [None if fmt.is_missing(v) or fmt.is_missing(pma.get(m)) or not pma.get(m)
                  else float(v) / float(pma.get(m)) - 1 for v, m in zip(out["per_inhabitant"], out["metric"])]
    return out


def sources(comp: pd.DataFrame) -> str:
    """'Sites photovoltaïques pour 1 000 habitants, … : démonstration ; population : … · …'."""
    groups: dict[str, list[str]] = {}
    for label, src in dict.fromkeys(zip(comp["label"], comp["source"])):
        groups.setdefault(metrics.join_sources([src]) or fmt.MISSING, []).append(label)
    return " · ".join(f"{', '.join(dict.fromkeys(labels))} : {src}" for src, labels in groups.items())


def coverage_notes(comp: pd.DataFrame) -> list[str]:
    """'CALL, Sites photovoltaïques pour 1 000 habitants : 35 communes sur 36 ; hors …' for each
    partial figure: said under the table, never silently dropped."""
    return [f"{r.zone}, {r.label} : {r.coverage}" for r in comp.itertuples()
            if isinstance(r.coverage, str) and r.coverage]


def table(comp: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, one column per area (per-inhabitant values), then, for a selected
    commune or agglomeration, its gap to the PMA in percent."""
    if comp.empty:
        return pd.DataFrame()
    names = list(dict.fromkeys(comp["zone"]))
    first = names[0]
    # The gap column is for a selection; the three agglomerations side by side need none.
    selected = comp.loc[comp["zone"] == first, "kind"].iloc[0] == "commune" or len(names) == 2
    rows = []
    for _, d in comp.groupby("metric", sort=False):
        by_zone = d.set_index("zone")
        row = {"Indicateur": d["label"].iloc[0], "Unité": d["unit"].iloc[0]}
        for z in names:
            row[z] = by_zone.at[z, "per_inhabitant"] if z in by_zone.index else None
        if selected:
            gap = by_zone.at[first, "gap"] if first in by_zone.index else None
            row[f"Écart {first} / {PMA_SHORT} (%)"] = None if fmt.is_missing(gap) else float(gap) * 100
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in out.columns[2:]:
        # Rounded here (half up, one decimal) so that the table, its exports and the chart agree.
        out[col] = [None if fmt.is_missing(v) else fmt._round(float(v), 1) for v in out[col]]
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out
