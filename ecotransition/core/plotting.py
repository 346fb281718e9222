"""Common look of the plotly figures: French separators, readable fonts, a colour-blind-safe palette."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import escape, fmt
from .labels import DEMO_TITLE

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
EPCI_COLORS = {"CABBALR": "#0072B2", "CALL": "#E69F00", "CAHC": "#009E73"}
MODE_LABELS = {"PEDESTRIAN": "Piétons", "BIKE": "Vélos"}
DEMO_ANNOTATION = DEMO_TITLE


# Imported text for a plotly label, title, legend, category or hover text (one helper: core.escape).
text = escape.plotly


class Finished(go.Figure):
    """A figure that is done: its plain dict form (only JSON types: lists, numbers, strings) is
    worked out once, and `to_dict()` gives that same dict every time.

    Streamlit turns a figure into its dict (a deep copy, numbers to base64) and then into JSON
    on every run of every session: half a warm /chaine-des-parcs run's server CPU at scale 16,
    for figures shared by every session (store.shared). From the plain dict, JSON is a quick
    dump. Never modify one: changes would not reach its dict (draw `go.Figure(fig)` instead).
    """

    def __init__(self, figure: go.Figure):
        super().__init__(figure)
        self._finished = json.loads(pio.to_json(figure, validate=False))

    def to_dict(self) -> dict:
        return self._finished


def style(fig: go.Figure, title: str | None = None, demo: bool = False, height: int | None = None) -> go.Figure:
    """Apply the dashboard's layout; mark the figure when it shows demonstration rows."""
    fig.update_layout(
        separators=", ",  # decimal comma, (narrow) space for thousands, as in French
        colorway=PALETTE,
        font=dict(size=14),
        margin=dict(l=10, r=10, t=60 if title else 30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None),
        hoverlabel=dict(namelength=-1),
    )
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left"))
    if height:
        fig.update_layout(height=height)
    if demo:
        fig.add_annotation(
            text=f"⚠ {DEMO_ANNOTATION}", xref="paper", yref="paper", x=1, y=1.0,
            xanchor="right", yanchor="bottom", showarrow=False,
            font=dict(size=12, color="#8a4b00"), bgcolor="#fff3cd",
        )
    return fig


def french_date_axis(fig: go.Figure, start, end, **axis) -> go.Figure:
    """Ticks with French month names (plotly's own are English and its locales come from a CDN)."""
    if fmt.is_missing(start) or fmt.is_missing(end):
        return fig
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 36:
        ticks = pd.date_range(start.to_period("Y").to_timestamp(), end, freq="YS")
        text = [str(t.year) for t in ticks]
    else:
        step = 1 if months <= 8 else 2 if months <= 18 else 3
        ticks = pd.date_range(start.to_period("M").to_timestamp(), end, freq=f"{step}MS")
        text = [f"{fmt.MONTHS_SHORT[t.month - 1]} {t.year}" if t.month == 1 or i == 0 else fmt.MONTHS_SHORT[t.month - 1]
                for i, t in enumerate(ticks)]
    fig.update_xaxes(tickvals=list(ticks), ticktext=text, **axis)
    return fig
