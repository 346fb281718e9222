"""The Leaflet map of /carte: streamlit-folium's component, its Leaflet script made once per map.

st_folium() turns the folium map into Leaflet script on every run of the page: folium compiles
about ninety Jinja templates each time (0.35 s at scale 16), which made /carte most of the
server's work when thirty viewers arrive together (bench/load_ws.py). That script depends only
on the map and the selected commune, so it is produced once for them, with streamlit-folium's
own functions in the order st_folium() uses them, and each run hands the cached strings to the
same frontend component. Pinned streamlit-folium version: see requirements.txt.
"""

from __future__ import annotations

import pickle
from typing import Callable

import folium
import streamlit as st
import streamlit_folium as sf

from ecotransition.core.geo import CommuneLocator
from ecotransition.surfaces import maps
from ecotransition.ui import store


def _links(element) -> tuple[list[str], list[str]]:
    """The CSS and JavaScript files the map's elements ask for (already made local by offline)."""
    css: list[str] = []
    js: list[str] = []
    stack = [element]
    while stack:
        e = stack.pop()
        css += [href for _, href in getattr(e, "default_css", [])]
        js += [src for _, src in getattr(e, "default_js", [])]
        stack.extend(reversed(list(getattr(e, "_children", {}).values())))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def _rendered(identity: tuple, build: Callable[[], tuple[folium.Map, folium.FeatureGroup | None]]) -> dict:
    """The map's Leaflet script and its parts, made once per `identity` (store.once: no client's
    `clear_cache` message can make every viewer pay for it again)."""
    return store.once(("carte.rendered", identity), lambda: _render(*build()))


def _render(fmap: folium.Map, layer: folium.FeatureGroup | None) -> dict:
    # A map of our own: rendering changes it.
    fmap.render()
    html, header = sf._get_html(fmap), sf._get_header(fmap)
    leaflet = sf._get_map_string(fmap)
    (south, west), (north, east) = fmap.get_bounds()
    feature_group = sf._get_feature_group_string(layer, map=fmap) if layer is not None else None
    css, js = _links(fmap)
    return dict(script=leaflet, header=header, html=html, id=sf.get_full_id(fmap),
                bounds={"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
                feature_group=feature_group, css_links=css, js_links=js)


def leaflet_map(identity: tuple, build: Callable[[], tuple[folium.Map, folium.FeatureGroup | None]], *,
                key: str, height: int, returned_objects: list[str], on_change: Callable[[], None],
                instance: int = 0) -> None:
    """Draw the map `build()` returns (map, selection layer); `identity` must name it uniquely.

    Like st_folium(..., use_container_width=True, returned_objects=..., on_change=...): after a
    click, st.session_state[key] holds the returned objects and `on_change` runs. A new
    `instance` draws the map afresh in the browser (popups closed, view reset).
    """
    r = _rendered(identity, build)
    hash_key = sf.generate_js_hash(r["script"], f"{key}-{instance}", False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        on_change()

    sf._component_func(
        script=r["script"], header=r["header"], html=r["html"], id=r["id"], key=hash_key,
        height=height, width=None, returned_objects=returned_objects,
        default={k: v for k, v in {"last_object_clicked": None, "last_object_clicked_count": 0,
                                   "bounds": r["bounds"]}.items()
                 if k in returned_objects},
        zoom=None, center=None, feature_group=r["feature_group"], return_on_hover=False,
        layer_control=None, pixelated=False, css_links=r["css_links"], js_links=r["js_links"],
        on_change=changed, wrap_longitude=False,
    )


# /carte's cached inputs live here, not in the page (a page file runs on every view: 5 % of a warm
# /carte view went to re-deriving Streamlit's decorated functions), and in store's process-wide
# caches rather than st.cache_data: any client's `clear_cache` message empties those (t15i finding 1).

def map_data() -> maps.MapData:
    """The map's inputs (communes, values, points) from the shared query results."""
    return maps.load_data(store.query)


def built_map(key: str, year, focus, background: bool, version) -> folium.Map:
    """A copy of its own of the map (rendering it changes it), built once per indicator, year,
    framing, background and database version and kept pickled; leaflet_map asks for it only when
    it has not yet made that map's Leaflet script (a new selected commune)."""
    def build() -> bytes:
        with st.spinner("Préparation de la carte…"):
            return pickle.dumps(maps.build_map(map_data(), key, year, focus=focus, background=background))
    return pickle.loads(store.once(("carte.map", key, year, focus, background, version), build))


def map_view(key: str, year, version) -> tuple:
    """The map's legend and notes, and its values table (for store.shared: never modified)."""
    data = map_data()
    return maps.map_view(data, key, year), maps.values_table(data, key, year)


def commune_panel(code: str, year, version) -> tuple:
    """A commune's profile (text and values), its events and its investment projects (DataFrames,
    shared by every session: never modified)."""
    return store.shared(_commune_panel, code, year, version)


def _commune_panel(code: str, year, version) -> tuple:
    data = map_data()
    return (maps.commune_profile(data.values, data.communes, code, year),
            maps.commune_profile_values(data.values, data.communes, code, year),
            maps.commune_events(data.events, code), maps.commune_investments(data.investments, code))


def locator(version) -> CommuneLocator:
    """Finds the commune under a clicked point (the communes' geometries of that database version)."""
    return store.once(("carte.locator", version), lambda: CommuneLocator(store.query("communes_geo")))
