"""The choropleth's indicators (metrics of the metric layer), their periods, colour classes and
legend, the map's inputs (MapData) and the values table for export; escaping for tooltips.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ecotransition.core import fmt, metrics
from ecotransition.core.labels import DEMO_BADGE

# The map's indicators are metrics of the metric layer: one definition for the choropleth, its
# legend, the commune profile and every other surface.
Indicator = metrics.Metric


Period = metrics.Period


INDICATORS: dict[str, metrics.Metric] = {k: metrics.METRICS[k] for k in metrics.MAP_METRICS}


PROFILE_PMA = "Pôle métropolitain"   # the profile's column headers
PROFILE_SHARE = "Part de la commune dans l'agglomération"


def unit_suffix(ind: Indicator, text: str) -> str:
    """' (MWh)' after a label, unless the label or the formatted values already say it."""
    if not ind.unit or ind.unit_in_value or ind.unit in ("%", "€") or ind.unit.lower() in text.lower():
        return ""
    if "habitant" in ind.unit and "habitant" in text.lower():   # "… pour 1 000 habitants" says it already
        return ""
    return f" ({ind.unit})"


def resolve_period(values: pd.DataFrame, key: str, year: int | None) -> Period:
    """Which year the map shows for this indicator, given the sidebar's year (or None)."""
    return metrics.period(values, key, year)


def commune_values(values: pd.DataFrame, communes: pd.DataFrame, key: str, period: Period) -> pd.DataFrame:
    """One row per commune (index = INSEE code): value (NaN = not known), num, den, items,
    unknown, is_demo, source."""
    return metrics.per_commune(values, communes, key, period.year, cumulative=period.year is None)


def aggregate(values: pd.DataFrame, communes: pd.DataFrame, key: str, period: Period, codes) -> metrics.Reading:
    """The indicator over a group of communes, by the metric layer's rule."""
    return metrics.reading(values, communes, key, period.year, codes, cumulative=period.year is None)


BY_SHORT = {i.short: i.key for i in INDICATORS.values()}


# The datasets with an update rhythm the map's indicators (and so a commune's profile) are read from.
DATASETS = tuple(dict.fromkeys(d for i in INDICATORS.values() for d in i.datasets))


# viridis, light (low) to dark (high): perceptually ordered and readable with the common
# forms of colour blindness; hard-coded so nothing is fetched (no branca colormap).
VIRIDIS_5 = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]


ZERO_COLOR = "#f4f4f4"


MISSING_FILL = "url(#ea-hatch)"  # SVG pattern defined in the map page: grey hatching


MISSING_SWATCH = "repeating-linear-gradient(45deg,#9e9e9e 0 2px,#e6e6e6 2px 6px)"


@dataclass(frozen=True)
class Classes:
    ranges: tuple[tuple[float, float], ...]  # observed (min, max) of each class, low to high
    colors: tuple[str, ...]                   # one colour per class
    zero: bool                                # zeros get their own class ("aucun")

    def color(self, value) -> str:
        if fmt.is_missing(value):
            return MISSING_FILL
        if self.zero and value == 0:
            return ZERO_COLOR
        if not self.colors:
            return MISSING_FILL
        uppers = np.asarray([hi for _, hi in self.ranges[:-1]])
        return self.colors[int(np.searchsorted(uppers, value, side="left"))]

    def labels(self, formatter: Callable[[object], str]) -> list[tuple[str, str]]:
        """(colour, French label) of every class, low to high: the smallest and largest
        value in the class, so that classes never seem to overlap."""
        out = [(ZERO_COLOR, "0 (aucun)")] if self.zero else []
        for (lo, hi), c in zip(self.ranges, self.colors):
            low, high = formatter(lo), formatter(hi)
            out.append((c, low if low == high else f"{low} à {high}"))
        return out


def _palette(k: int) -> tuple[str, ...]:
    if k <= 0:
        return ()
    if k == 1:
        return (VIRIDIS_5[2],)
    return tuple(VIRIDIS_5[round(i * 4 / (k - 1))] for i in range(k))


def classify(values: pd.Series, k: int = 5) -> Classes:
    """Quantile classes of the non-zero values (k at most: fewer when values repeat);
    zeros in a class of their own; missing values in none (drawn hatched)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(float)
    zero = bool((v == 0).any())
    pos = np.sort(v[v != 0])
    if pos.size == 0:
        return Classes((), (), zero)
    breaks = np.quantile(pos, np.linspace(0, 1, k + 1))
    idx = np.searchsorted(breaks[1:-1], pos, side="left")
    ranges = tuple((float(pos[idx == i].min()), float(pos[idx == i].max()))
                   for i in range(k) if (idx == i).any())
    return Classes(ranges, _palette(len(ranges)), zero)


def esc(value) -> str:
    """HTML-escaped text (for innerHTML); a missing value shows as 'n.d.'."""
    return html.escape(fmt.MISSING if fmt.is_missing(value) else str(value), quote=False)


DEMO_MARK = DEMO_BADGE


def _text(value) -> str:
    return fmt.MISSING if fmt.is_missing(value) else str(value)


def card(title, *lines, source=None, demo: bool = False, details=None) -> str:
    """Tooltip/popup text: escaped lines joined by newlines (shown with white-space:
    pre-line, first line in bold by CSS), so no markup travels in the GeoJSON."""
    out = [_text(title), *[line for line in lines if line]]
    if not fmt.is_missing(source) and source:
        out.append(f"Source : {source}")
    if demo:
        out.append(DEMO_MARK)
    if not fmt.is_missing(details) and details:
        out += ["", str(details)]
    return "\n".join(esc(line) for line in out)


@dataclass
class MapData:
    """The named query results the map needs (all already filtered/cached by the caller)."""
    communes: pd.DataFrame        # communes_geo
    values: tuple                 # the metrics_* results (metrics.QUERIES)
    parks: pd.DataFrame           # park_sites_list
    counters: pd.DataFrame        # map_counter_sites
    events: pd.DataFrame          # events_list ($annee = NULL)
    investments: pd.DataFrame     # investments_list ($epci = $commune = NULL)


def load_data(query) -> MapData:
    """The map's inputs, read with `query(name, **params)`: store.query in the app,
    a plain sql.run on a connection in tests and benchmarks."""
    return MapData(
        communes=query("communes_geo"),
        values=tuple(query(q) for q in metrics.QUERIES),
        parks=query("park_sites_list"),
        counters=query("map_counter_sites"),
        events=query("events_list", annee=None),
        investments=query("investments_list", epci=None, commune=None),
    )


@dataclass
class MapView:
    """What the page shows around the map: legend entries, period, flags."""
    indicator: Indicator
    period: Period
    classes: Classes
    legend: list[tuple[str, str]]
    missing: int
    demo: bool
    source: str
    notes: list[str] = field(default_factory=list)
    total: metrics.Reading | None = None   # the whole Pôle's figure, with its coverage


def map_view(data: MapData, key: str, year: int | None) -> MapView:
    """Legend, classes and flags of the choropleth for this indicator and sidebar year."""
    ind = INDICATORS[key]
    period = resolve_period(data.values, key, year)
    vals = commune_values(data.values, data.communes, key, period)
    classes = classify(vals["value"])
    missing = int(vals["value"].isna().sum())
    notes = [n for n in (ind.note, period.notice) if n]
    return MapView(
        indicator=ind, period=period, classes=classes,
        legend=classes.labels(ind.format) + ([(MISSING_SWATCH, f"n.d. (non disponible) : {missing} communes")]
                                             if missing else []),
        missing=missing, demo=bool(vals["is_demo"].any()), source=metrics.join_sources(vals["source"]),
        notes=notes, total=aggregate(data.values, data.communes, key, period, data.communes["code"]),
    )


def legend_html(view: MapView) -> str:
    """The choropleth's legend as self-contained HTML (inline styles, escaped text), shown
    under the map so that it never hides communes."""
    ind = view.indicator
    unit = esc(unit_suffix(ind, ind.label))
    swatch = ("display:inline-block;width:20px;height:13px;border:1px solid #777;"
              "vertical-align:-2px;margin-right:5px")
    rows = "".join(
        f"<span style='white-space:nowrap;margin-right:14px'>"
        f"<span style='{swatch};background:{color}'></span>{esc(text)}</span> "
        for color, text in view.legend
    )
    demo = (" <span style='color:#8a4b00;font-weight:600;white-space:nowrap'>"
            f"{DEMO_MARK}</span>" if view.demo else "")
    total = ""
    if view.total is not None:
        cover = view.total.coverage
        total = (f"<br>Ensemble du Pôle : <strong>{esc(view.total.text)}</strong>"
                 + (f" ({esc(cover)})" if cover else " (toutes les communes)"))
    return (f"<div class='ea-legend' style='line-height:1.9;font-size:0.95rem'>"
            f"<strong>{esc(ind.label)}{unit}</strong> · {esc(view.period.label)} · "
            f"classes par quantiles{demo}<br>{rows}{total}</div>")


def values_table(data: MapData, key: str, year: int | None) -> pd.DataFrame:
    """The choropleth's values, one row per commune, highest first (n.d. last), for export."""
    period = resolve_period(data.values, key, year)
    vals = commune_values(data.values, data.communes, key, period)
    table = pd.DataFrame({
        "Code INSEE": data.communes["code"].to_numpy(),
        "Commune": data.communes["name"].to_numpy(),
        "Agglomération": data.communes["epci"].to_numpy(),
        value_column(key): [INDICATORS[key].plain(v) for v in vals["value"]],
        **period_columns(period),
        "Source": vals["source"].replace("", fmt.MISSING).to_numpy(),
        "Démonstration": np.where(vals["is_demo"].to_numpy(), "oui", "non"),
    })
    return table.sort_values([value_column(key), "Commune"], ascending=[False, True],
                             na_position="last", kind="stable").reset_index(drop=True)


def period_columns(period: Period) -> dict:
    """An export's period: `Année` when the figure is one year's (a number, not the text "2024"),
    else `Période` says what it covers ("millésime de la source", "2019–2024 (cumul)")."""
    return {"Année": period.year, "Période": None if period.year is not None else period.label}


def value_column(key: str) -> str:
    """The export's header: the values are plain numbers (Metric.plain), so the unit is always said."""
    return INDICATORS[key].export_label


def formatted_values(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """values_table with the indicator in French format ('n.d.' when missing)."""
    col = value_column(key)
    return table.assign(**{col: [INDICATORS[key].format_plain(v) for v in table[col]]})
