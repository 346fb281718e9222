"""Indicators with a target and a reference, drawn against their trajectory (overview, thematic
pages, fiche commune, PDF). The rule and the status are the core.trajectory ones."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt, trajectory
from ecotransition.core.plotting import style
from ecotransition.core.plotting import text as plot_text


@dataclass(frozen=True)
class Tracked:
    """One indicator of one zone on its way to its target."""
    id: str
    zone: str
    label: str
    unit: str | None
    source: str
    traj: trajectory.Trajectory
    series: pd.DataFrame            # year, value (the actual values, oldest first)
    status: trajectory.Status | None

    @property
    def status_text(self) -> str:
        return self.traj.status_text(self.status, self.unit) if self.status else "aucune valeur connue"

    @property
    def target_text(self) -> str:
        kind = "objectif de démonstration" if self.traj.demo else "objectif"
        return (f"{kind} : {fmt.with_unit(self.traj.target, self.unit)} en {self.traj.target_year} "
                f"(référence {fmt.with_unit(self.traj.reference, self.unit)} en {self.traj.reference_year})")


def tracked(latest: pd.DataFrame, series: pd.DataFrame, zones=("PMA",), theme: str | None = None) -> list[Tracked]:
    """The indicators of `latest` (indicators_zones rows) set for one of `zones` (PMA, an agglomeration,
    an INSEE code; in that order) and `theme` that have a trajectory, with their actual series
    (indicator_series rows) and status at the latest known value."""
    out = []
    rank = {z: i for i, z in enumerate(zones)}
    rows = latest.loc[latest["zone"].isin(list(zones)) & ((latest["theme"] == theme) if theme else True)]
    for row in sorted(rows.to_dict("records"), key=lambda r: (rank[r["zone"]], str(r["theme"]), r["id"])):
        traj = trajectory.from_row(row)
        if traj is None:
            continue
        s = series.loc[(series["id"] == row["id"]) & (series["zone"] == row["zone"]), ["year", "value"]]
        s = s.sort_values("year").reset_index(drop=True)
        out.append(Tracked(row["id"], row["zone"], row["label"], None if fmt.is_missing(row["unit"]) else row["unit"],
                           row["source"], traj, s, trajectory.latest_status(s, traj)))
    return out


def figure(t: Tracked) -> go.Figure:
    """The actual series, the straight path from the reference to the target and its tolerance band."""
    traj = t.traj
    years = list(range(traj.reference_year, traj.target_year + 1))
    path = [traj.expected(y) for y in years]
    band = trajectory.TOLERANCE * abs(traj.target - traj.reference)
    unit = plot_text(t.unit or "")
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years + years[::-1], y=[p + band for p in path] + [p - band for p in path][::-1],
                             fill="toself", fillcolor="rgba(120,120,120,0.15)", line=dict(width=0), mode="lines",
                             hoverinfo="skip", name="« sur la trajectoire »"))
    fig.add_trace(go.Scatter(x=years, y=path, mode="lines", line=dict(color="#555555", dash="dash"),
                             name=f"Trajectoire {traj.period}", hovertemplate="%{x} : %{y:,.1f} " + unit + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[traj.target_year], y=[traj.target], mode="markers",
                             marker=dict(symbol="star", size=16, color="#D55E00"),
                             name="Objectif" + (" (démonstration)" if traj.demo else ""),
                             hovertemplate="Objectif %{x} : %{y:,.0f} " + unit + "<extra></extra>"))
    known = t.series.dropna(subset=["value"])
    fig.add_trace(go.Scatter(x=known["year"], y=known["value"], mode="lines+markers",
                             line=dict(color="#0072B2", width=3), marker=dict(size=9), name="Valeur constatée",
                             hovertemplate="%{x} : %{y:,.1f} " + unit + "<extra></extra>"))
    fig.update_layout(xaxis=dict(title="Année", dtick=1), yaxis_title=unit or None)
    return style(fig, plot_text(t.label), demo=traj.demo or t.source == "démonstration", height=340)


def with_figures(rows: pd.DataFrame, series: pd.DataFrame, zones: tuple[str, ...],
                 theme: str | None = None) -> list[tuple[Tracked, go.Figure]]:
    """`tracked(...)` with each one's figure: built once per data version and shared by the pages
    (a figure's properties are validated one by one, the costliest part of a warm page run)."""
    return [(t, figure(t)) for t in tracked(rows, series, zones=zones, theme=theme)]
