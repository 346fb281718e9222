"""The folium map itself, built for offline use: every layer a GeoJson layer whose tooltip and
popup are text escaped in Python (no CDN, no branca colormap, no folium.Popup/Marker).
"""

from __future__ import annotations

import json
import math

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from shapely.geometry import shape

from ecotransition.core import fmt
from ecotransition.core.geo import dissolve
from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.surfaces import offline
from ecotransition.surfaces.maps.view import (
    INDICATORS, MISSING_FILL, Classes, MapData, Period, _text, card, commune_values, esc, map_view,
)

# Okabe-Ito for event themes (vermillion is kept for investments).
THEME_COLORS = {
    "Gouvernance": "#0072B2",
    "Économie & innovation": "#E69F00",
    "Rayonnement & culture": "#CC79A7",
    "Jeunesse & société civile": "#56B4E9",
    "Énergie & climat": "#F0E442",
    "Chaîne des parcs": "#009E73",
    "Mobilités": "#999999",
}


_EXTRA_THEME_COLORS = ["#000000", "#8C510A", "#01665E", "#762A83"]


PARK_COLOR = "#1b7a4a"


INVESTMENT_COLOR = "#D55E00"


COUNTER_COLOR = "#000000"


def theme_color(theme, known: dict[str, str] = THEME_COLORS) -> str:
    if theme in known:
        return known[theme]
    return _EXTRA_THEME_COLORS[sum(map(ord, str(theme))) % len(_EXTRA_THEME_COLORS)]


def park_radius(area_ha) -> float:
    return 8.0 if fmt.is_missing(area_ha) else float(np.clip(5 + math.sqrt(float(area_ha)) * 0.6, 6, 24))


def investment_radius(amount_eur) -> float:
    if fmt.is_missing(amount_eur):
        return 6.0
    return float(np.clip(4 + math.sqrt(float(amount_eur) / 1e6) * 0.6, 6, 18))


_STYLE = """
<style>
.leaflet-container { font-family: "Source Sans Pro", "Source Sans 3", Arial, sans-serif; font-size: 14px;
                     background: #ffffff; }
.ea-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%; border: 2px solid #333;
          vertical-align: -1px; }
.foliumtooltip table, .foliumpopup table { border-collapse: collapse; }
.foliumtooltip td { padding: 0; white-space: pre; }
.foliumpopup td { padding: 0; white-space: pre-line; min-width: 260px; max-width: 340px; }
.foliumtooltip td::first-line, .foliumpopup td::first-line { font-weight: 600; }
</style>
"""


_HATCH = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="ea-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e6e6e6"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2.5"/></pattern>'
    "</defs></svg>"
)


class _TouchScroll(folium.MacroElement):
    """On a touch screen (coarse pointer: phones, tablets), one finger scrolls the page and two move
    and zoom the map (Leaflet's pinch follows the fingers): with one-finger dragging a resident who
    reached the map on a phone could not scroll past it (t15i finding 10). Mouse and trackpad keep
    dragging. Leaflet's own CSS then lets the browser pan the page (touch-action: pan-x pan-y)."""

    _template = folium.template.Template("""
        {% macro script(this, kwargs) %}
        if (L.Browser.touch && window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
            {{ this._parent.get_name() }}.dragging.disable();
            {{ this._parent.get_name() }}.getContainer().classList.add("ea-touch-scroll");
        }
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "TouchScroll"


class _ByIdStyle:
    """A picklable style_function: a style per feature id (so st.cache_data can copy maps)."""

    def __init__(self, styles: dict[str, dict], default: dict):
        self.styles = styles
        self.default = default

    def __call__(self, feature) -> dict:
        return self.styles.get(feature.get("id"), self.default)


class _Const:
    def __init__(self, style: dict):
        self.style = style

    def __call__(self, feature) -> dict:
        return self.style


def _feature(fid, geometry, props) -> dict:
    return {"type": "Feature", "id": str(fid), "properties": props, "geometry": geometry}


def _point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]}


def _has_point(row) -> bool:
    return not (fmt.is_missing(row.lat) or fmt.is_missing(row.lon))


def _tooltip_layer(fc: dict, name: str, styles: dict[str, dict], default: dict,
                   show: bool = True) -> folium.GeoJson:
    """A layer of points (circle markers) with an escaped tooltip ("t") and popup ("p")."""
    return folium.GeoJson(
        fc, name=name, show=show,
        marker=folium.CircleMarker(radius=6),
        style_function=_ByIdStyle(styles, default),
        tooltip=folium.GeoJsonTooltip(["t"], labels=False),
        popup=folium.GeoJsonPopup(["p"], labels=False, max_width=360),
    )


def commune_layer_data(data: MapData, key: str, period: Period, classes: Classes) -> tuple[dict, dict]:
    """(FeatureCollection with one escaped tooltip per commune, fill colour per code)."""
    ind = INDICATORS[key]
    vals = commune_values(data.values, data.communes, key, period)
    features, colors = [], {}
    for c in data.communes.itertuples():
        row = vals.loc[c.code]
        value = row["value"]
        shown = ind.format(value)
        extra = ""
        if key == "visits" and row["items"]:
            extra = f"{fmt.number(row['items'])} compteur(s)"
            if row["unknown"]:
                extra += f", {fmt.number(row['unknown'])} heures manquantes"
        elif key in ("investment_eur", "jobs") and row["items"]:
            extra = f"{fmt.number(row['items'])} projet(s)"
            if row["unknown"]:
                extra += f", dont {fmt.number(row['unknown'])} sans chiffre publié"
        tip = card(f"{c.name} ({c.code}) · {c.epci}", f"{ind.label} : {shown} · {period.label}", extra,
                   source=row["source"], demo=bool(row["is_demo"]))
        features.append(_feature(c.code, json.loads(c.geometry), {"t": tip}))
        colors[c.code] = classes.color(value)
    return {"type": "FeatureCollection", "features": features}, colors


def _park_features(parks: pd.DataFrame) -> tuple[dict, dict]:
    features, styles = [], {}
    for p in parks.itertuples():
        if not _has_point(p):
            continue
        area = "surface n.d." if fmt.is_missing(p.area_ha) else f"{fmt.number(p.area_ha)} ha"
        opened = f"Ouverture : {fmt.day(p.opened)}" if not fmt.is_missing(p.opened) else ""
        lines = (p.name, f"{_text(p.kind)} · {area}", _text(p.commune), opened)
        tip = card(*lines, source=p.source, demo=p.source == DEMO_SOURCE)
        pop = card(*lines, source=p.source, demo=p.source == DEMO_SOURCE, details=p.description)
        features.append(_feature(p.id, _point(p.lon, p.lat), {"t": tip, "p": pop}))
        styles[str(p.id)] = {"fill": True, "radius": park_radius(p.area_ha), "color": PARK_COLOR, "weight": 3,
                             "fillColor": "#ffffff", "fillOpacity": 0.35}
    return {"type": "FeatureCollection", "features": features}, styles


def counter_year(counters: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int | None]:
    """One row per counter site with its passages for `year` (None: the latest year measured)."""
    years = sorted({int(y) for y in counters["year"].dropna()})
    if year is None or int(year) not in years:
        year = years[-1] if years else None
    sites = counters.drop_duplicates("site_id").set_index("site_id")
    cols = ["visits", "missing_hours", "hours"]
    sites = sites.drop(columns=cols + ["year"])
    if year is not None:
        of_year = counters.loc[counters["year"] == year].set_index("site_id")
        sites = sites.join(of_year[cols])
        # The year's figure cites the year's measures (map_counter_sites), else the site's.
        sites["source"] = of_year["source"].reindex(sites.index).fillna(sites["source"])
    else:
        sites = sites.assign(**{c: np.nan for c in cols})
    return sites.reset_index(), year


def _counter_features(counters: pd.DataFrame, year: int | None) -> tuple[dict, dict]:
    sites, year = counter_year(counters, year)
    features, styles = [], {}
    for s in sites.itertuples():
        if not _has_point(s):
            continue
        if fmt.is_missing(s.visits):
            figure = f"passages {year if year else ''} : n.d."
        else:
            figure = f"{fmt.number(s.visits)} passages en {year}"
            if s.missing_hours:
                figure += f" ({fmt.number(s.missing_hours)} heures manquantes)"
        where = _text(s.commune) + (f" · {s.park}" if not fmt.is_missing(s.park) else "")
        tip = card(s.site_name, figure, where, source=s.source,
                   demo=DEMO_SOURCE in str(s.source).split(" ; "))
        features.append(_feature(s.site_id, _point(s.lon, s.lat), {"t": tip, "p": tip}))
        styles[str(s.site_id)] = {"fill": True, "radius": 4.5, "color": "#ffffff", "weight": 1.5,
                                  "fillColor": COUNTER_COLOR, "fillOpacity": 1}
    return {"type": "FeatureCollection", "features": features}, styles


def _event_features(events: pd.DataFrame) -> dict[str, tuple[dict, dict]]:
    """Per theme: (FeatureCollection, styles)."""
    out: dict[str, tuple[dict, dict]] = {}
    for e in events.itertuples():
        if not _has_point(e):
            continue
        theme = e.theme if not fmt.is_missing(e.theme) else "Sans thème"
        when = fmt.day(e.start_date)
        if not fmt.is_missing(e.end_date) and str(e.end_date)[:10] != str(e.start_date)[:10]:
            when = f"du {fmt.day(e.start_date)} au {fmt.day(e.end_date)}"
        people = ("participants n.d." if fmt.is_missing(e.participants)
                  else f"{fmt.number(e.participants)} participants")
        where = e.commune if not fmt.is_missing(e.commune) else "hors territoire"
        lines = (e.title, f"{when} · {theme}", f"{_text(e.place)} ({where})", people)
        tip = card(*lines, source=e.source, demo=e.source == DEMO_SOURCE)
        pop = card(*lines, source=e.source, demo=e.source == DEMO_SOURCE, details=e.description)
        fc, styles = out.setdefault(theme, ({"type": "FeatureCollection", "features": []}, {}))
        fc["features"].append(_feature(e.id, _point(e.lon, e.lat), {"t": tip, "p": pop}))
        styles[str(e.id)] = {"fill": True, "radius": 6, "color": "#ffffff", "weight": 1.5,
                             "fillColor": theme_color(theme), "fillOpacity": 0.95}
    return out


def _investment_features(investments: pd.DataFrame) -> tuple[dict, dict]:
    features, styles = [], {}
    for i in investments.itertuples():
        if not _has_point(i):
            continue
        year = "année n.d." if fmt.is_missing(i.announced_year) else f"annoncé en {int(i.announced_year)}"
        jobs = "emplois n.d." if fmt.is_missing(i.jobs) else f"{fmt.number(i.jobs)} emplois"
        lines = (i.name, f"{_text(i.company)} · {_text(i.sector)}",
                 f"Montant : {fmt.euros(i.amount_eur)} · {jobs}",
                 f"{year} · {_text(i.status)} · {_text(i.commune)}")
        tip = card(*lines, source=i.source, demo=i.source == DEMO_SOURCE)
        pop = card(*lines, source=i.source, demo=i.source == DEMO_SOURCE, details=i.description)
        features.append(_feature(i.id, _point(i.lon, i.lat), {"t": tip, "p": pop}))
        unknown = fmt.is_missing(i.amount_eur)
        styles[str(i.id)] = {"fill": True, "radius": investment_radius(i.amount_eur),
                             "color": "#000000", "weight": 1,
                             "dashArray": "3 3" if unknown else None,
                             "fillColor": INVESTMENT_COLOR, "fillOpacity": 0.3 if unknown else 0.6}
    return {"type": "FeatureCollection", "features": features}, styles


def _dot(color: str, border: str = "#333") -> str:
    return f"<span class='ea-dot' style='background:{color};border-color:{border}'></span>"


def layer_name(color: str, text: str, border: str = "#333") -> str:
    """Layer-control label: a coloured dot then the (escaped) name."""
    return f"{_dot(color, border)} {esc(text)}"


def territory_bounds(communes: pd.DataFrame) -> list[list[float]]:
    """[[south, west], [north, east]] of the communes."""
    b = shapely.union_all([shape(json.loads(g)) for g in communes["geometry"]]).bounds
    return [[b[1], b[0]], [b[3], b[2]]]


def build_map(data: MapData, key: str, year: int | None = None, focus: str | None = None,
              background: bool = False, base_url: str = offline.DEFAULT_BASE_URL) -> folium.Map:
    """The choropleth of `key` with agglomeration outlines and toggleable point layers.

    `year` is the sidebar's year (None: each dataset's default period); `focus` an
    agglomeration to frame (classes stay computed over the 150 communes, so colours mean
    the same everywhere). With `background`, an OpenStreetMap layer is added (needs
    internet); otherwise the map never requests a tile.
    """
    view = map_view(data, key, year)
    framed = data.communes.loc[data.communes["epci"] == focus] if focus else data.communes
    bounds = territory_bounds(framed if not framed.empty else data.communes)
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=center, zoom_start=10, tiles=None, min_zoom=8, max_zoom=18,
                   control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    if background:
        folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap (Internet)", overlay=False,
                         control=True).add_to(m)
    m.get_root().header.add_child(Element(_STYLE), name="ea_style")
    m.get_root().html.add_child(Element(_HATCH), name="ea_hatch")

    fc, colors = commune_layer_data(data, key, view.period, view.classes)
    base = {"color": "#555555", "weight": 0.6, "opacity": 0.9, "fillOpacity": 0.8, "className": "ea-commune"}
    styles = {code: {**base, "fillColor": col} for code, col in colors.items()}
    folium.GeoJson(
        fc, name=f"Communes : {esc(view.indicator.label)}", control=False,
        style_function=_ByIdStyle(styles, {**base, "fillColor": MISSING_FILL}),
        highlight_function=_Const({"weight": 2.5, "color": "#000000"}),
        tooltip=folium.GeoJsonTooltip(["t"], labels=False, sticky=True),
    ).add_to(m)

    outlines = dissolve(data.communes, by="epci")
    ofc = {"type": "FeatureCollection",
           "features": [_feature(k, g, {}) for k, g in outlines.items()]}
    folium.GeoJson(
        ofc, name=layer_name("#000000", "Limites des agglomérations"),
        style_function=_Const({"fill": False, "color": "#111111", "weight": 2.5, "opacity": 1}),
        interactive=False,
    ).add_to(m)

    # Point layers start visible when they explain the indicator shown (parks always);
    # the others wait in the layer control, so the choropleth stays readable.
    parks, park_styles = _park_features(data.parks)
    if parks["features"]:
        _tooltip_layer(parks, layer_name("#ffffff", "Sites de la Chaîne des parcs (taille : surface)",
                                         PARK_COLOR),
                       park_styles, {}).add_to(m)
    # With a year chosen in the sidebar, the point layers show that year only.
    projects, events = data.investments, data.events
    if year is not None:
        projects = projects.loc[projects["announced_year"] == year]
        events = events.loc[pd.to_datetime(events["start_date"]).dt.year == year]
    in_year = f" annoncés en {year}" if year is not None else ""
    inv, inv_styles = _investment_features(projects)
    if inv["features"]:
        _tooltip_layer(inv, layer_name(INVESTMENT_COLOR, f"Investissements{in_year} (taille : montant)"),
                       inv_styles, {}, show=key in ("investment_eur", "jobs")).add_to(m)
    for theme, (efc, estyles) in sorted(_event_features(events).items()):
        label = f"Événements {year} : {theme}" if year is not None else f"Événements : {theme}"
        _tooltip_layer(efc, layer_name(theme_color(theme), label, "#ffffff"), estyles, {},
                       show=key == "events").add_to(m)
    cnt, cnt_styles = _counter_features(data.counters, year)
    if cnt["features"]:
        shown_year = counter_year(data.counters, year)[1]
        _tooltip_layer(cnt, layer_name(COUNTER_COLOR, f"Compteurs de passages ({shown_year or 'n.d.'})",
                                       "#ffffff"),
                       cnt_styles, {}, show=key == "visits").add_to(m)

    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(_TouchScroll())
    m.fit_bounds(bounds)
    return offline.localize(m, base_url)


def selection_layer(communes: pd.DataFrame, code: str | None) -> folium.FeatureGroup | None:
    """The selected commune's outline, added without rebuilding the map (st_folium's
    feature_group_to_add); not interactive, so clicks reach the commune below."""
    row = communes.loc[communes["code"] == code]
    if code is None or row.empty:
        return None
    fg = folium.FeatureGroup(name="Commune sélectionnée", control=False)
    folium.GeoJson(
        _feature(code, json.loads(row["geometry"].iloc[0]), {}),
        style_function=_Const({"fill": False, "color": "#000000", "weight": 4.5, "opacity": 1,
                               "dashArray": None}),
        interactive=False,
    ).add_to(fg)
    return fg
