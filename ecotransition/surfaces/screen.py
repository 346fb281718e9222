"""The Grand forum screen: which slide to show when, what each slide says, how it looks.

Everything here is plain data and strings so that it is tested without Streamlit;
`pages/ecran.py` only reads the URL, calls these functions and puts the result on screen.

- Timing: the slide on screen is derived from the clock (`slide_at`), never from a counter,
  so a reconnect or a second screen carries on with the show instead of restarting it.
- Content: one builder per slide turns query results into a `Slide` (a title, one message,
  2 to 4 figures with their year and source, an optional plotly chart or short list).
- Resilience: `LastGood` keeps the last slide built without error, so a failing query shows
  those figures again instead of an error box; every chart message is unique per rotation
  (`chart_config`) and a watchdog reloads a page whose show has stopped (`watchdog_html`).
- Look: CSS and HTML for a 1920×1080 screen read from 5 m (figures ≥ 64 px, text ≥ 28 px,
  chart text ≥ 20 px), dark or light, and a QR code drawn locally with segno.
"""

from __future__ import annotations

import html
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Hashable, Mapping
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import segno

from ecotransition.core import fmt, metrics
from ecotransition.core.labels import DEMO_BADGE, DEMO_MARK, DEMO_SOURCE, DEMO_TITLE

log = logging.getLogger(__name__)

# Slide names as they appear in the `diapos` URL parameter, in the default order.
SLIDES: dict[str, str] = {
    "chiffres": "Le Pôle métropolitain en chiffres",
    "solaire": "Le solaire gagne les toits",
    "parcs": "La Chaîne des parcs",
    "evenements": "Événements",
    "investissements": "L'industrie investit dans l'Artois",
}
DEFAULT_PERIOD = 15.0
MIN_PERIOD, MAX_PERIOD = 1.0, 3600.0
THEMES = ("sombre", "clair")
DEFAULT_URL = "http://localhost:8501/"

# Sizes in CSS pixels on a 1920×1080 screen. The floor: figures ≥ 64, labels ≥ 28,
# chart text ≥ 20; every text here is at least TEXT_PX.
TEXT_PX = 28
CHART_TEXT_PX = 22
FIGURE_PX = 96
QR_PX = 230
CHART_HEIGHT = 600
# Streamlit serves Source Sans itself: the charts use the same letters as the text, offline.
CHART_FONT = '"Source Sans", "Source Sans Pro", "DejaVu Sans", sans-serif'


def clock() -> float:
    """Seconds since the epoch (a function so that tests can move time)."""
    return time.time()


# ----------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class Settings:
    period: float = DEFAULT_PERIOD       # seconds per slide
    slides: tuple[str, ...] = tuple(SLIDES)
    theme: str = "sombre"


def _first(value) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value)


def settings(params: Mapping[str, object]) -> Settings:
    """Settings from the URL (`periode`, `diapos`, `theme`).

    Nobody can fix a typo on the screen, so a wrong value falls back to its default
    rather than stopping the show: unknown slide names are skipped, a period outside
    1 s–1 h is clamped."""
    period = DEFAULT_PERIOD
    raw = _first(params.get("periode"))
    if raw:
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            period = min(max(value, MIN_PERIOD), MAX_PERIOD)
    slides = tuple(SLIDES)
    raw = _first(params.get("diapos"))
    if raw:
        chosen = tuple(s for s in (part.strip().lower() for part in raw.split(",")) if s in SLIDES)
        slides = chosen or slides
    theme = (_first(params.get("theme")) or "").strip().lower()
    return Settings(period=period, slides=slides, theme=theme if theme in THEMES else "sombre")


# ------------------------------------------------------------------------------- timing

def _offset(period: float, anchor: float | None) -> float:
    # The browser's rotation timer starts with the page's full run (`anchor`) and ticks
    # every period from there. Shifting the slot boundaries so that the anchor sits in the
    # middle of a slot puts every tick half a period away from any boundary: network or
    # timer jitter can then neither show a slide twice nor skip one.
    return 0.0 if anchor is None else (anchor % period) - period / 2


def slot_at(now: float, period: float, anchor: float | None = None) -> int:
    """The number of the period-long slot of the clock that contains `now`."""
    return math.floor((now - _offset(period, anchor)) / period)


def slide_at(now: float, config: Settings, anchor: float | None = None) -> tuple[int, str]:
    """(position in the show, slide name) for this instant."""
    position = slot_at(now, config.period, anchor) % len(config.slides)
    return position, config.slides[position]


def elapsed(now: float, period: float, anchor: float | None = None) -> float:
    """Seconds since the browser's timer last ticked (since the current slide appeared)."""
    start = anchor if anchor is not None else 0.0
    return (now - start) % period


# ------------------------------------------------------------------------------ content

@dataclass(frozen=True)
class Figure:
    """A headline number: value already formatted, a short label, its year and source."""
    value: str
    label: str
    year: str
    source: str
    demo: bool = False


@dataclass(frozen=True)
class Item:
    """A line of a list: a date or status, a title, a detail."""
    when: str
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Slide:
    name: str
    title: str
    message: str
    figures: tuple[Figure, ...] = ()
    chart: go.Figure | None = field(default=None, compare=False)
    chart_alt: str = ""
    chart_demo: bool = False
    items: tuple[Item, ...] = ()
    item_sources: tuple[str, ...] = ()   # sources of the listed items (events, projects)
    available: bool = True

    @property
    def demo(self) -> bool:
        return self.chart_demo or any(f.demo for f in self.figures)

    @property
    def sources(self) -> tuple[str, ...]:
        seen = [f.source for f in self.figures] + list(self.item_sources)
        return tuple(dict.fromkeys(s for s in seen if s and s != DEMO_SOURCE))


@dataclass(frozen=True)
class Palette:
    background: str
    panel: str
    text: str
    muted: str
    accent: str
    demo_bg: str
    demo_text: str
    bars: tuple[str, str]
    colorscale: tuple[str, ...]
    borders: str


PALETTES = {
    "sombre": Palette(
        background="#0a0f1e", panel="#161e33", text="#f7f9fc", muted="#d3dbea",
        accent="#7ee2a8", demo_bg="#ffd166", demo_text="#14110a",
        bars=("#56b4e9", "#f0c05a"),
        colorscale=("#3b2f85", "#8e3f9c", "#d8576b", "#f89441", "#fde74c"),
        borders="#0a0f1e",
    ),
    "clair": Palette(
        background="#ffffff", panel="#eef2f7", text="#0b1320", muted="#2e3747",
        accent="#136c3f", demo_bg="#ffd166", demo_text="#14110a",
        bars=("#0072b2", "#d55e00"),
        colorscale=("#fff5c2", "#fed976", "#fd8d3c", "#e31a1c", "#800026"),
        borders="#ffffff",
    ),
}

# Short labels for the room; the value carries the number, the label the unit.
_INDICATOR_LABELS = {
    "population": "habitants",
    "emplois_prives": "emplois privés",
    "entreprises": "entreprises",
    "parcs_ha": "hectares de parcs",
    "voies_vertes_km": "km de voies vertes relient les parcs",
    "potentiel_pv_gwh": "GWh/an : potentiel solaire des toits",
    "investissements_industriels_eur": "d'investissements industriels privés depuis 2020",
    "emplois_annonces": "nouveaux emplois annoncés",
    "acc_collaborateurs": "salariés à la gigafactory ACC",
}


def _year(value) -> str:
    return "année n.d." if fmt.is_missing(value) else str(int(value))


def indicator_figure(indicators: pd.DataFrame, indicator_id: str, label: str | None = None) -> Figure | None:
    """The figure of one indicator (latest year), or None when the indicator is absent."""
    rows = indicators.loc[indicators["id"] == indicator_id]
    if rows.empty:
        return None
    row = rows.sort_values("year").iloc[-1]
    value = fmt.euros(row["value"]) if row["unit"] == "€" else fmt.number(row["value"])
    text = label or _INDICATOR_LABELS.get(indicator_id) or str(row["label"])
    if indicator_id == "emplois_annonces" and not fmt.is_missing(row.get("target_year")):
        text = f"{text} d'ici {int(row['target_year'])}"
    return Figure(value=value, label=text, year=_year(row["year"]), source=str(row["source"]),
                  demo=row["source"] == DEMO_SOURCE)


def _figures(indicators: pd.DataFrame, ids) -> tuple[Figure, ...]:
    return tuple(f for f in (indicator_figure(indicators, i) for i in ids) if f is not None)


def chiffres(indicators: pd.DataFrame) -> Slide:
    figures = _figures(indicators, ("population", "emplois_prives", "entreprises", "parcs_ha"))
    return Slide("chiffres", SLIDES["chiffres"], "Trois agglomérations unies pour réussir l'écotransition.",
                 figures)


def _layout(fig: go.Figure, palette: Palette, height: int) -> go.Figure:
    fig.update_layout(
        separators=", ",
        height=height,
        margin=dict(l=10, r=10, t=70, b=10),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(size=CHART_TEXT_PX + 2, color=palette.text, family=CHART_FONT),
        showlegend=False,
    )
    return fig


def _demo_annotation(fig: go.Figure, palette: Palette) -> None:
    fig.add_annotation(
        text=f"⚠ {DEMO_TITLE}", xref="paper", yref="paper", x=0, y=1,
        xanchor="left", yanchor="bottom", showarrow=False, borderpad=6,
        font=dict(size=CHART_TEXT_PX + 2, color=palette.demo_text), bgcolor=palette.demo_bg,
    )


def _bounds(geometries) -> tuple[float, float, float, float]:
    lons, lats = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


def fit_zoom(bounds: tuple[float, float, float, float], width_px: float, height_px: float) -> float:
    """The web-mercator zoom at which the bounds fill the chart (MapLibre's 512 px tiles)."""
    west, south, east, north = bounds

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zx = math.log2(width_px * 360 / (512 * max(east - west, 1e-6)))
    zy = math.log2(height_px * 2 * math.pi / (512 * max(merc(north) - merc(south), 1e-9)))
    return round(min(zx, zy) - 0.1, 2)


def solar_map(communes: pd.DataFrame, rate: pd.Series, palette: Palette, height: int = CHART_HEIGHT,
              width: int = 1100) -> go.Figure:
    """Choropleth of PV installations per 1,000 inhabitants (`rate`, by commune in the order of
    `communes`, from the metric layer); drawn with no tiles at all."""
    geometries = [json.loads(g) for g in communes["geometry"]]
    features = [{"type": "Feature", "id": code, "geometry": g, "properties": {"name": name}}
                for code, name, g in zip(communes["code"], communes["name"], geometries)]
    rate = pd.Series(rate.to_numpy(dtype="float64"), index=communes.index)
    # One or two outliers would flatten every other commune into the same colour: the scale
    # stops at the 95th percentile and the few communes above it take its top colour.
    top = float(round(rate.quantile(0.95))) if rate.notna().any() else None
    ticks = {}
    if top:
        low = float(rate.min())
        step = 10 if top - low > 30 else 5 if top - low > 10 else 1
        vals = [v for v in range(math.ceil(low / step) * step, int(top) + 1, step) if v < top - 0.4 * step]
        labels = [fmt.number(v) for v in vals]
        vals.append(round(top))
        labels.append(f"{fmt.number(top)} et +" if rate.max() > top else fmt.number(top))
        ticks = dict(tickvals=vals, ticktext=labels)
    west, south, east, north = _bounds(geometries)
    fig = go.Figure(go.Choroplethmap(
        geojson={"type": "FeatureCollection", "features": features},
        locations=communes["code"], z=rate.round(1), zmin=float(rate.min()) if top else None, zmax=top,
        colorscale=[[i / (len(palette.colorscale) - 1), c] for i, c in enumerate(palette.colorscale)],
        marker=dict(line=dict(width=0.8, color=palette.borders)),
        colorbar=dict(
            title=dict(text=f"installations<br>pour {fmt.number(1000)} hab.", font=dict(size=CHART_TEXT_PX)),
            tickfont=dict(size=CHART_TEXT_PX), thickness=26, len=0.85, outlinewidth=0, **ticks,
        ),
        hoverinfo="skip",
    ))
    # MapLibre style with a single background layer: no tiles, sprites or glyphs to fetch.
    style = {"version": 8, "sources": {}, "layers": [
        {"id": "fond", "type": "background", "paint": {"background-color": palette.background}}]}
    _layout(fig, palette, height)
    fig.update_layout(
        map=dict(style=style if palette is PALETTES["sombre"] else "white-bg",
                 center=dict(lon=(west + east) / 2, lat=(south + north) / 2),
                 zoom=fit_zoom((west, south, east, north), width - 160, height - 80)),
        margin=dict(l=0, r=0, t=60, b=0),
    )
    _demo_annotation(fig, palette)
    return fig


def solaire(values: pd.DataFrame, communes: pd.DataFrame, indicators: pd.DataFrame, palette: Palette) -> Slide:
    """PV sites of the latest year, their one-year change and the taux de valorisation: the
    metric layer's figures, as on the overview and /solaire; the sentence says only that."""
    year = metrics.default_year(values, "pv_sites")
    figures, message, chart, demo = [], "", None, False
    if year is not None:
        sites = metrics.reading(values, communes, "pv_sites", year)
        before = metrics.reading(values, communes, "pv_sites", year - 1)
        uptake = metrics.reading(values, communes, "solar_uptake", year)
        demo = sites.demo
        figures.append(_reading_figure(sites, "installations photovoltaïques"))
        growth = metrics.change(sites, before)
        if growth is not None:
            figures.append(Figure(fmt.signed_percent(growth), f"d'installations en un an ({year - 1}-{year})",
                                  str(year), sites.source, sites.demo))
            message = (f"{fmt.signed_percent(growth)} d'installations photovoltaïques en {year} "
                       f"par rapport à {year - 1}.")
        if uptake.value is not None:
            message += f" Les toits ont produit {uptake.text} de leur potentiel annuel en {year}."
        rate = metrics.per_commune(values, communes, "pv_sites_per_1000", year)["value"]
        if rate.notna().any():
            chart = solar_map(communes, rate, palette)
    potential = indicator_figure(indicators, "potentiel_pv_gwh")
    if potential:
        figures.append(potential)
    return Slide("solaire", SLIDES["solaire"], message.strip() or "Le potentiel solaire des toits du territoire.",
                 tuple(figures), chart,
                 chart_alt=f"Carte des communes : installations photovoltaïques pour 1 000 habitants en {year}"
                           + (f" ({DEMO_MARK})" if demo else ""),
                 chart_demo=demo and chart is not None)


def _reading_figure(r: metrics.Reading, label: str) -> Figure:
    """A slide figure from the metric layer; a partial figure says its coverage in its label."""
    return Figure(r.text, label + (f" ({r.coverage})" if r.partial else ""), _year(r.year), r.source, r.demo)


def complete_years(visits: pd.DataFrame) -> pd.DataFrame:
    """Yearly totals (all modes) of the years measured up to 31 December."""
    if visits.empty:
        return pd.DataFrame(columns=["year", "visits", "sites", "complete"])
    by_year = visits.groupby("year").agg(visits=("visits", "sum"), sites=("sites", "max"),
                                         last_day=("last_day", "max")).reset_index()
    by_year["complete"] = [pd.Timestamp(d).month == 12 and pd.Timestamp(d).day == 31
                           for d in by_year["last_day"]]
    return by_year


MODE_LABELS = {"PEDESTRIAN": "Piétons", "BIKE": "Vélos"}


def visits_chart(visits: pd.DataFrame, palette: Palette, height: int = CHART_HEIGHT) -> go.Figure:
    """Passages per year, stacked by mode, with the yearly total above each bar."""
    fig = go.Figure()
    years = sorted(visits["year"].unique())
    for k, mode in enumerate(sorted(visits["mobility_type"].unique(), key=lambda m: m != "PEDESTRIAN")):
        part = visits.loc[visits["mobility_type"] == mode].set_index("year").reindex(years)
        fig.add_bar(x=[str(y) for y in years], y=part["visits"], name=MODE_LABELS.get(mode, mode),
                    marker_color=palette.bars[k % 2], hoverinfo="skip")
    totals = visits.groupby("year")["visits"].sum(min_count=1).reindex(years)
    # Totals as a text trace: annotations on a category axis would read "2019" as a position.
    fig.add_scatter(x=[str(y) for y in years], y=totals, mode="text", text=[fmt.compact(t) for t in totals],
                    textposition="top center", textfont=dict(size=CHART_TEXT_PX + 4, color=palette.text),
                    hoverinfo="skip", showlegend=False, cliponaxis=False)
    _layout(fig, palette, height)
    fig.update_layout(
        barmode="stack", showlegend=True, margin=dict(l=10, r=10, t=70, b=50),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom", traceorder="normal",
                    font=dict(size=CHART_TEXT_PX + 2)),
        xaxis=dict(type="category", tickfont=dict(size=CHART_TEXT_PX + 4), showgrid=False, automargin=True),
        yaxis=dict(visible=False, range=[0, float(totals.max()) * 1.15] if totals.notna().any() else None),
    )
    _demo_annotation(fig, palette)
    return fig


def parcs(values: pd.DataFrame, communes: pd.DataFrame, visits: pd.DataFrame, indicators: pd.DataFrame,
          palette: Palette) -> Slide:
    """Counted passages of the last complete year (the metric layer's figure) and its change on
    the same counters; the chart shows the complete years by mode."""
    figures, chart = [], None
    demo = bool(visits["is_demo"].fillna(False).any()) if len(visits) else False
    message = "Des parcs reliés par des voies vertes : un réseau unique en Europe."
    year = metrics.default_year(values, "visits")
    if year is not None:
        cur = metrics.reading(values, communes, "visits", year)
        figures.append(_reading_figure(cur, "passages comptés dans les parcs"))
        ch = metrics.change(cur, metrics.reading(values, communes, "visits", year - 1))
        if ch is not None:
            figures.append(Figure(fmt.signed_percent(ch), f"de passages par rapport à {year - 1}",
                                  str(year), cur.source, cur.demo))
            # Only what the figures say: one year against the one before, same counters.
            message = f"{fmt.signed_percent(ch)} de passages en {year} par rapport à {year - 1}."
        full = complete_years(visits)
        chart = visits_chart(visits.loc[visits["year"].isin(full.loc[full["complete"], "year"])], palette)
    green = indicator_figure(indicators, "voies_vertes_km")
    if green:
        figures.append(green)
    return Slide("parcs", SLIDES["parcs"], message, tuple(figures), chart,
                 chart_alt="Passages comptés par année, piétons et vélos" + (f" ({DEMO_MARK})" if demo else ""),
                 chart_demo=demo and chart is not None)


def _as_date(value) -> date | None:
    if fmt.is_missing(value):
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date()
    return value


def day(value) -> str:
    """'3 juillet 2024', with the French '1er' for the first of the month."""
    d = _as_date(value)
    if d is None:
        return fmt.MISSING
    text = fmt.day(d)
    return "1er" + text[1:] if d.day == 1 and not text.startswith("1er") else text


def date_range(start, end=None) -> str:
    """'30 juin 2023', '26–27 août 2023', '1er juillet – 31 août 2023'."""
    s, e = _as_date(start), _as_date(end)
    if s is None:
        return fmt.MISSING
    if e is None or e <= s:
        return day(s)
    if (s.year, s.month) == (e.year, e.month):
        first = "1er" if s.day == 1 else str(s.day)
        return f"{first}–{day(e)}"
    if s.year == e.year:
        return f"{day(s).rsplit(' ', 1)[0]} – {day(e)}"
    return f"{day(s)} – {day(e)}"


def evenements(events: pd.DataFrame, today: date, limit: int = 4) -> Slide:
    """The next events first; when none is announced, the most recent ones, said so."""
    ev = events.copy()
    ev["start"] = [_as_date(v) for v in ev["start_date"]]
    ev["end"] = [_as_date(v) or s for v, s in zip(ev["end_date"], ev["start"])]
    upcoming = ev.loc[ev["end"] >= today].sort_values(["start", "title"])
    if len(upcoming):
        chosen, title = upcoming.head(limit), "Prochains événements"
        message = "À vos agendas : les prochains rendez-vous de l'écotransition en Artois."
    else:
        chosen = ev.loc[ev["end"] < today].sort_values(["start", "title"], ascending=[False, True]).head(limit)
        title = "Derniers événements"
        message = ("Aucun événement à venir n'est encore annoncé : voici les plus récents."
                   if len(chosen) else "Aucun événement n'est encore enregistré.")
    items = []
    for row in chosen.itertuples():
        place = row.place if not fmt.is_missing(row.place) else (
            row.commune if "commune" in chosen and not fmt.is_missing(row.commune) else "")
        detail = str(place)
        if not fmt.is_missing(row.participants):
            detail += (" · " if detail else "") + f"{fmt.number(row.participants)} participants"
        items.append(Item(date_range(row.start, row.end), str(row.title), detail))
    sources = tuple(dict.fromkeys(chosen["source"].dropna())) if len(chosen) else ()
    return Slide("evenements", title, message, items=tuple(items), item_sources=sources)


def investissements(indicators: pd.DataFrame, investments: pd.DataFrame, limit: int = 4) -> Slide:
    figures = _figures(indicators, ("investissements_industriels_eur", "emplois_annonces", "acc_collaborateurs"))
    real = investments.loc[investments["source"] != DEMO_SOURCE].copy()
    real = real.sort_values(["jobs", "announced_year", "name"], ascending=[False, False, True],
                            na_position="last").head(limit)
    items = []
    for row in real.itertuples():
        detail = " · ".join(str(x) for x in (row.commune, row.status) if not fmt.is_missing(x))
        if not fmt.is_missing(row.jobs):
            detail += f" · {fmt.number(row.jobs)} emplois"
        items.append(Item("", str(row.name), detail))
    message = "Batteries, énergie, industrie : des projets qui créent des emplois."
    return Slide("investissements", SLIDES["investissements"], message, figures, items=tuple(items),
                 item_sources=tuple(dict.fromkeys(real["source"].dropna())))


def unavailable(name: str) -> Slide:
    """What a slide shows when its data never loaded: a calm sentence, no error box."""
    return Slide(name, SLIDES.get(name, name), "Les chiffres de cette diapositive arrivent dans un instant.",
                 available=False)


# Which named queries each slide reads: {argument: (query, parameters)}.
QUERIES: dict[str, dict[str, tuple[str, dict]]] = {
    "chiffres": {"indicators": ("indicators_latest", {"theme": None})},
    "solaire": {"values": ("commune_metrics", {}), "communes": ("communes_geo", {}),
                "indicators": ("indicators_latest", {"theme": None})},
    "parcs": {"values": ("commune_metrics", {}), "communes": ("communes_geo", {}),
              "visits": ("screen_visits_yearly", {}), "indicators": ("indicators_latest", {"theme": None})},
    "evenements": {"events": ("events_list", {"annee": None})},
    "investissements": {"indicators": ("indicators_latest", {"theme": None}),
                        "investments": ("investments_list", {"epci": None, "commune": None})},
}

Fetch = Callable[..., pd.DataFrame]


def build(name: str, fetch: Fetch, theme: str = "sombre", today: date | None = None) -> Slide:
    """Slide `name` from the query results `fetch(query, **params)` returns."""
    frames = {arg: fetch(query, **params) for arg, (query, params) in QUERIES[name].items()}
    palette = PALETTES[theme]
    if name == "chiffres":
        return chiffres(**frames)
    if name == "solaire":
        return solaire(**frames, palette=palette)
    if name == "parcs":
        return parcs(**frames, palette=palette)
    if name == "evenements":
        return evenements(**frames, today=today or date.today())
    if name == "investissements":
        return investissements(**frames)
    raise KeyError(name)


def freshness(df: pd.DataFrame) -> str:
    """'Données au 31 décembre 2024': the most recent day the measured data describe."""
    value = df["data_date"].iloc[0] if len(df) else None
    return f"Données au {day(value)}" if not fmt.is_missing(value) else "Données : date n.d."


# --------------------------------------------------------------------------- resilience

class LastGood:
    """The last value built without error, per key.

    `get` rebuilds when the version changes (new data, new day); if the version or the
    build fails it returns what it built last time, so a screen keeps its figures through
    a database swap or a locked file. One entry per key: memory does not grow with time.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[Hashable, object]] = {}
        self._lock = threading.Lock()
        self.failures = 0

    def get(self, key: Hashable, version: Callable[[], Hashable], build: Callable[[], object],
            fallback: Callable[[], object]):
        with self._lock:
            entry = self._entries.get(key)
        try:
            current = version()
            if entry is not None and entry[0] == current:
                return entry[1]
            value = build()
        except Exception:  # noqa: BLE001 - any failure: keep the show going
            self.failures += 1
            log.warning("screen: %s could not be rebuilt, showing the last good one", key, exc_info=True)
            return entry[1] if entry is not None else fallback()
        with self._lock:
            self._entries[key] = (current, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)


CACHE = LastGood()


# ---------------------------------------------------------------------------------- QR

def public_url(configured: str | None, page_url: str | None, default: str = DEFAULT_URL) -> str:
    """The address the QR code gives: ECOTRANSITION_PUBLIC_URL if set, else the server's own
    address as the screen's browser sees it (its home page, not /ecran), else localhost."""
    if configured and configured.strip():
        return configured.strip()
    if page_url:
        parts = urlsplit(page_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            path = parts.path.rstrip("/")
            if path.rsplit("/", 1)[-1] == "ecran":
                path = path[: -len("ecran")]
            return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}/"
    return default


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG image (dark modules on white, what phones read best),
    embedded as a data URI: drawn locally, nothing fetched. Streamlit's HTML sanitizer drops
    inline <svg>, an <img> with alt text passes."""
    code = segno.make(url, error="m", micro=False)
    uri = code.svg_data_uri(scale=10, border=3, dark="#000000", light="#ffffff")
    label = html.escape(f"QR code : ouvrir le tableau de bord ({url})")
    return (f'<img class="ecran-qr-code" src="{uri}" alt="{label}" aria-label="{label}" '
            f'width="{QR_PX}" height="{QR_PX}">')


def chart_config(slot: int) -> dict:
    """Plotly config of a screen chart: static (no mode bar, no hover), and unique per rotation.

    Streamlit sends a large element it believes the browser still caches as a bare reference.
    With a slide coming back every few rotations and fragment reruns overlapping on a busy
    machine, the browser may already have dropped it: "Cached ForwardMsg MISS", a fatal
    websocket error, and the show freezes for good (seen after ~700 rotations at 1 s). A name
    that changes with the slot (used only by the hidden download button) makes every chart
    message new, so no reference is ever sent."""
    return {"staticPlot": True, "displayModeBar": False,
            "toImageButtonOptions": {"filename": f"ecran-{slot}"}}


def watchdog_limit(period: float) -> float:
    """Seconds without a new slide after which the screen's page reloads itself."""
    return 3 * period + 20


def watchdog_html(period: float) -> str:
    """A script that reloads the page when the show has stopped and the server answers.

    Streamlit reconnects by itself after the server was away, but some client errors close
    the connection for good (a "Cached ForwardMsg MISS", for one): the room would then look
    at the same slide, with nobody there to press F5. Reloading only once the server's health
    check answers avoids trading a frozen slide for a browser error page."""
    limit_ms = int(watchdog_limit(period) * 1000)
    return f"""<script>
(() => {{
  if (window.__ecranWatchdog) return;
  window.__ecranWatchdog = true;
  let last = null, since = Date.now();
  const health = location.pathname.replace(/ecran\/?$/, "") + "_stcore/health";
  setInterval(async () => {{
    const fill = document.querySelector(".ecran-foot .fill");
    const slot = fill && fill.getAttribute("data-slot");
    if (slot !== last) {{ last = slot; since = Date.now(); return; }}
    if (Date.now() - since < {limit_ms}) return;
    try {{
      const r = await fetch(health, {{cache: "no-store"}});
      if (r.ok) location.reload();
    }} catch (e) {{ /* server away: Streamlit keeps trying to reconnect */ }}
  }}, 2000);
}})();
</script>"""


# -------------------------------------------------------------------------------- HTML

def css(theme: str) -> str:
    """Page CSS: hides Streamlit's chrome and draws the slides (style-only, so Streamlit puts
    it out of the layout)."""
    p = PALETTES[theme]
    return f"""<style>
/* No chrome visible from the room: sidebar, navigation, header, toolbar, status, decoration. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stStatusWidget"], [data-testid="stDecoration"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"], [data-testid="stTopNav"], header {{ display: none !important; }}
/* Nor Streamlit's "Connection error" modal: the slide stays, Streamlit reconnects, the watchdog reloads. */
[data-baseweb="modal"], [data-testid="stDialog"] {{ display: none !important; }}
html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {p.background} !important; color: {p.text}; overflow: hidden; cursor: none;
}}
[data-testid="stMainBlockContainer"] {{
  max-width: 100% !important; padding: 22px 40px 100px 40px !important;
}}
/* A fragment rerun greys the previous slide out while the next one is computed: not on a screen. */
[data-stale="true"] {{ opacity: 1 !important; transition: none !important; }}
[data-testid="stSkeleton"] {{ display: none !important; }}
.ecran {{ font-family: "Source Sans", "Source Sans Pro", "DejaVu Sans", sans-serif; color: {p.text};
  font-size: {TEXT_PX}px; line-height: 1.2; }}
.ecran * {{ font-size: inherit; }}
.ecran-top {{ display: flex; align-items: flex-start; gap: 36px; }}
.ecran-heading {{ flex: 1 1 auto; min-width: 0; }}
.ecran h1.ecran-title {{ font-size: 66px; font-weight: 800; margin: 0 0 10px 0; padding: 0;
  color: {p.text}; line-height: 1.05; letter-spacing: -0.5px; }}
.ecran .ecran-message {{ font-size: 38px; color: {p.muted}; margin: 0; max-width: 1250px; }}
.ecran .ecran-badge {{ display: inline-block; background: {p.demo_bg}; color: {p.demo_text};
  font-weight: 700; font-size: {TEXT_PX}px; padding: 4px 14px; border-radius: 8px; margin-top: 14px; }}
.ecran-qr {{ flex: 0 0 auto; display: flex; align-items: center; gap: 20px; }}
.ecran-qr-text {{ text-align: right; max-width: 330px; color: {p.muted}; }}
.ecran-qr-text strong {{ color: {p.text}; display: block; }}
.ecran-qr-url {{ word-break: break-all; }}
.ecran-qr img {{ width: {QR_PX}px; height: {QR_PX}px; display: block; border-radius: 6px; }}
.ecran-figures {{ display: grid; gap: 26px; }}
.ecran-figures.row {{ grid-template-columns: repeat(var(--n), 1fr); margin-top: 40px; }}
.ecran-figures.column {{ grid-template-columns: 1fr; }}
.ecran-figure {{ background: {p.panel}; border-radius: 18px; padding: 26px 30px; border-left: 10px solid {p.accent}; }}
.ecran-figure.demo {{ border-left-color: {p.demo_bg}; }}
.ecran .ecran-value {{ font-size: {FIGURE_PX}px; font-weight: 800; line-height: 1.0; color: {p.text};
  white-space: nowrap; letter-spacing: -1px; }}
.ecran-figures.column {{ gap: 20px; }}
.ecran-figures.column .ecran-figure {{ padding: 20px 30px; }}
.ecran-figures.column .ecran-value {{ font-size: 80px; }}
.ecran-figures.alone {{ margin-top: 44px; }}
.ecran-figures.alone .ecran-figure {{ padding: 34px 40px; }}
.ecran-figures.alone .ecran-value {{ font-size: 124px; }}
.ecran-figures.alone .ecran-label {{ font-size: 40px; }}
.ecran .ecran-label {{ font-size: 34px; font-weight: 600; margin-top: 10px; color: {p.text}; }}
.ecran .ecran-meta {{ font-size: {TEXT_PX}px; color: {p.muted}; margin-top: 8px; }}
.ecran .ecran-meta .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 0 8px; border-radius: 6px;
  font-weight: 700; }}
.ecran-items {{ list-style: none; margin: 34px 0 0 0 !important; padding: 0 !important; display: grid; gap: 22px; }}
.ecran-items li {{ margin: 0 !important; }}
.ecran-item {{ background: {p.panel}; border-radius: 16px; padding: 22px 30px; display: flex; gap: 36px;
  align-items: baseline; border-left: 10px solid {p.accent}; }}
.ecran-item .when {{ flex: 0 0 420px; font-weight: 700; color: {p.accent}; font-size: 34px; }}
.ecran-item .what {{ flex: 1 1 auto; min-width: 0; }}
.ecran-item .title {{ font-size: 42px; font-weight: 700; color: {p.text}; }}
.ecran-item .detail {{ color: {p.muted}; margin-top: 6px; }}
.ecran-foot {{ position: fixed; left: 0; right: 0; bottom: 0; padding: 16px 40px 18px 40px;
  display: flex; align-items: center; gap: 30px; background: {p.panel}; color: {p.muted};
  font-size: {TEXT_PX}px; z-index: 1000; }}
.ecran-foot .sources {{ flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.ecran-foot .stamp {{ flex: 0 0 auto; color: {p.text}; font-weight: 600; }}
.ecran-foot .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 2px 10px; border-radius: 6px;
  font-weight: 700; }}
.ecran-progress {{ flex: 0 0 auto; display: flex; align-items: center; gap: 16px; }}
.ecran-progress .dots {{ display: flex; gap: 10px; }}
.ecran-progress .dot {{ width: 16px; height: 16px; border-radius: 50%; background: {p.muted}; opacity: .45; }}
.ecran-progress .dot.on {{ background: {p.accent}; opacity: 1; }}
.ecran-progress .bar {{ width: 260px; height: 14px; border-radius: 7px; background: {p.muted}40; overflow: hidden; }}
.ecran-progress .fill {{ height: 100%; width: 100%; background: {p.accent}; transform-origin: left center;
  transform: scaleX(0); animation-name: ecran-progress; animation-timing-function: linear;
  animation-fill-mode: forwards; }}
@keyframes ecran-progress {{ from {{ transform: scaleX(0); }} to {{ transform: scaleX(1); }} }}
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def header_html(slide: Slide, qr: str, url: str) -> str:
    badge = f'<div class="ecran-badge">⚠ {DEMO_TITLE}</div>' if slide.demo else ""
    return (
        f'<div class="ecran ecran-top" data-slide="{_e(slide.name)}">'
        f'<div class="ecran-heading"><h1 class="ecran-title">{_e(slide.title)}</h1>'
        f'<p class="ecran-message">{_e(slide.message)}</p>{badge}</div>'
        f'<div class="ecran-qr"><div class="ecran-qr-text"><strong>Le tableau de bord sur votre téléphone</strong>'
        f'<span class="ecran-qr-url">{_e(url)}</span></div>{qr}</div>'
        f"</div>"
    )


def figures_html(figures: tuple[Figure, ...], layout: str = "row", alone: bool = False) -> str:
    """Figure cards: a row under the title, a column beside a chart; `alone` when the slide has
    nothing else, so the figures grow to fill the screen."""
    cards = []
    for f in figures:
        origin = f'<span class="demo">{DEMO_BADGE}</span>' if f.demo else _e(f.source)
        cards.append(
            f'<div class="ecran-figure{" demo" if f.demo else ""}">'
            f'<div class="ecran-value">{_e(f.value)}</div>'
            f'<div class="ecran-label">{_e(f.label)}</div>'
            f'<div class="ecran-meta">{_e(f.year)} · {origin}</div></div>'
        )
    cls = f"ecran ecran-figures {layout}" + (" alone" if alone else "")
    # Four big figures alone on a slide read better as a 2×2 grid than as a squeezed row.
    n = 2 if alone and len(figures) == 4 else max(len(figures), 1)
    return f'<div class="{cls}" style="--n:{n}">{"".join(cards)}</div>'


def items_html(items: tuple[Item, ...], columns: int = 1) -> str:
    rows = "".join(
        f'<li class="ecran-item">{f"<div class=when>{_e(i.when)}</div>" if i.when else ""}'
        f'<div class="what"><div class="title">{_e(i.title)}</div>'
        f'{f"<div class=detail>{_e(i.detail)}</div>" if i.detail else ""}</div></li>'
        for i in items
    )
    return f'<ul class="ecran ecran-items" style="grid-template-columns:repeat({columns},1fr)">{rows}</ul>'


def body_html(slide: Slide) -> str:
    """Figures and list of a slide without chart."""
    out = ""
    if slide.figures:
        out += figures_html(slide.figures, "row", alone=not slide.items)
    if slide.items:
        out += items_html(slide.items, columns=2 if slide.figures else 1)
    return out


def footer_html(slide: Slide, stamp: str, position: int, count: int, period: float, since: float,
                slot: int = 0) -> str:
    """Sources, demo mark, data date and the progress of the show (fixed at the bottom)."""
    sources = slide.sources
    text = "Source : " + " ; ".join(_e(s) for s in sources) if sources else ""
    demo = f' <span class="demo">{DEMO_BADGE}</span>' if slide.demo else ""
    dots = "".join(f'<span class="dot{" on" if k == position else ""}"></span>' for k in range(count))
    # The bar fills in CSS from the moment the slide appeared: no rerun needed to move it.
    fill = f'animation-duration:{period:.3f}s;animation-delay:-{min(since, period):.3f}s'
    return (
        f'<div class="ecran ecran-foot"><div class="sources">{text}{demo}</div>'
        f'<div class="stamp">{_e(stamp)}</div>'
        f'<div class="ecran-progress" role="progressbar" aria-label="Diapositive {position + 1} sur {count}, '
        f'prochaine dans {max(period - since, 0):.0f} s">'
        f'<span>{position + 1}/{count}</span><span class="dots">{dots}</span>'
        f'<span class="bar"><span class="fill" data-slot="{slot}" style="{fill}"></span></span></div></div>'
    )
