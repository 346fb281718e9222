"""The screen's plotly charts: the solar choropleth drawn without tiles and the visits per year,
sized for the room.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt
from ecotransition.core.labels import DEMO_TITLE
from ecotransition.surfaces.screen.model import (
    CHART_FONT, CHART_HEIGHT, CHART_TEXT_PX, MAP_ASPECT, PALETTES, Palette, Slide,
)


def _layout(fig: go.Figure, palette: Palette) -> go.Figure:
    # The page stretches the chart over its column, whose size the CSS derives from the
    # screen's. The height given here (the column's on a 16:9 screen, scaled by `scaled`) is
    # only the first drawing's: drawn at plotly's default 450 px first, the map kept that
    # height when the chart grew to its column.
    fig.update_layout(
        separators=", ",
        autosize=True,
        height=CHART_HEIGHT,
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


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_bounds(bounds: tuple[float, float, float, float], aspect: float = MAP_ASPECT,
               margin: float = 0.04) -> dict:
    """The map's `bounds` (west, east, south, north) that show `bounds` whole at any size.

    Plotly hands them to MapLibre as the bounds the view may not leave, so the map zooms in
    until the view fits inside them: the view is these bounds cut to its own shape. With
    their width-to-height ratio (web mercator) at most the flattest `aspect` the chart takes
    (its 16:9 shape; 16:10 screens give it more height), the width is what binds, and the
    territory, `margin` wider on each side, fills the width of any chart. So the map needs no
    zoom computed for one size of screen."""
    west, south, east, north = bounds
    pad = (east - west) * margin
    west, east = west - pad, east + pad
    width = math.radians(east - west)
    y0, y1 = _merc(south), _merc(north)
    height = max(y1 - y0, width / aspect)
    mid = (y0 + y1) / 2
    return dict(west=west, east=east, south=_lat(mid - height / 2), north=_lat(mid + height / 2))


def fit_zoom(bounds: tuple[float, float, float, float], width_px: float, height_px: float) -> float:
    """The web-mercator zoom at which the bounds fill the chart (MapLibre's 512 px tiles)."""
    west, south, east, north = bounds

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zx = math.log2(width_px * 360 / (512 * max(east - west, 1e-6)))
    zy = math.log2(height_px * 2 * math.pi / (512 * max(merc(north) - merc(south), 1e-9)))
    return round(min(zx, zy) - 0.1, 2)


def solar_map(communes: pd.DataFrame, rate: pd.Series, palette: Palette) -> go.Figure:
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
            # Each label below its tick: the top one ("43 et +") clear of the title above the bar.
            ticklabelposition="outside bottom",
        ),
        hoverinfo="skip",
    ))
    # MapLibre style with a single background layer: no tiles, sprites or glyphs to fetch.
    style = {"version": 8, "sources": {}, "layers": [
        {"id": "fond", "type": "background", "paint": {"background-color": palette.background}}]}
    _layout(fig, palette)
    fig.update_layout(
        # Zoom 0 is below what the bounds allow: MapLibre zooms in until they fill the chart.
        map=dict(style=style if palette is PALETTES["sombre"] else "white-bg",
                 center=dict(lon=(west + east) / 2, lat=(south + north) / 2), zoom=0,
                 bounds=fit_bounds((west, south, east, north))),
        margin=dict(l=0, r=0, t=60, b=0),
    )
    _demo_annotation(fig, palette)
    return fig


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


def visits_chart(visits: pd.DataFrame, palette: Palette) -> go.Figure:
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
    _layout(fig, palette)
    fig.update_layout(
        barmode="stack", showlegend=True, margin=dict(l=10, r=10, t=70, b=50),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom", traceorder="normal",
                    font=dict(size=CHART_TEXT_PX + 2)),
        xaxis=dict(type="category", tickfont=dict(size=CHART_TEXT_PX + 4), showgrid=False, automargin=True),
        yaxis=dict(visible=False, range=[0, float(totals.max()) * 1.15] if totals.notna().any() else None),
    )
    _demo_annotation(fig, palette)
    return fig


# Layout keys whose numbers are lengths in pixels (fonts, margins, bars, borders).
_LENGTHS = {"size", "thickness", "borderpad", "pad", "l", "r", "t", "b", "width"}
_LENGTH_PARENTS = {"font", "tickfont", "textfont", "colorbar", "margin", "line"}


def scaled(fig: go.Figure, factor: float) -> go.Figure:
    """A copy of `fig` with every font size, margin, colour-bar thickness and line width
    multiplied by `factor`: the chart's text as large, relative to the screen, as the slide's.

    Plotly sizes its text in pixels, not in viewport units; the page knows the screen's scale
    from the browser (`scale_cookie`) and the figure is drawn for it, so the numbers on a
    4K screen are no smaller than on a 1920×1080 one and those on a projector not larger."""
    if factor == 1:
        return fig

    def walk(node, parent: str | None):
        if isinstance(node, dict):
            return {k: (round(v * factor, 2) if parent in _LENGTH_PARENTS and k in _LENGTHS
                        and isinstance(v, (int, float)) and not isinstance(v, bool) else walk(v, k))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, parent) for v in node]
        return node

    spec = fig.to_plotly_json()
    layout = walk(spec["layout"], None)
    if "height" in layout:
        layout["height"] = round(layout["height"] * factor)
    return go.Figure({"data": walk(spec["data"], None), "layout": layout})


def scaled_slide(slide: Slide, factor: float) -> Slide:
    """`slide` with its chart drawn for a screen `factor` times the 1920×1080 design."""
    if slide.chart is None or factor == 1:
        return slide
    return dataclasses.replace(slide, chart=scaled(slide.chart, factor))
