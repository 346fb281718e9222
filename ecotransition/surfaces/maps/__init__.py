"""The map explorer: commune indicators, colour classes, the folium map and a commune's profile.

Everything here takes DataFrames (named query results) and returns plain values, frames
or a folium.Map, so it is tested without Streamlit. The map is built for offline use:
no base tiles unless asked, Leaflet served locally (see offline.py), no branca colormap,
no folium.Popup/Tooltip/Marker (jQuery, icon fonts and JS template literals): every layer
is a GeoJson layer whose tooltip/popup is an HTML string escaped here, in Python.

The package's modules: `clicks`, `layers`, `profile`, `view`. Everything is
re-exported here."""

from ecotransition.surfaces.maps.clicks import (  # noqa: F401
    RETURNED_OBJECTS, clicked_commune, clicked_point, needs_new_map, selection_updates,
)
from ecotransition.surfaces.maps.layers import (  # noqa: F401
    _EXTRA_THEME_COLORS, _HATCH, _STYLE, COUNTER_COLOR, INVESTMENT_COLOR, PARK_COLOR, THEME_COLORS, _ByIdStyle,
    _Const, _counter_features, _dot, _event_features, _feature, _has_point, _investment_features, _park_features,
    _point, _tooltip_layer, build_map, commune_layer_data, counter_year, investment_radius, layer_name,
    park_radius, selection_layer, territory_bounds, theme_color,
)
from ecotransition.surfaces.maps.profile import (  # noqa: F401
    commune_events, commune_investments, commune_profile, commune_profile_values,
)
from ecotransition.surfaces.maps.view import (  # noqa: F401
    BY_SHORT, DATASETS, DEMO_MARK, INDICATORS, MISSING_FILL, MISSING_SWATCH, PROFILE_PMA, PROFILE_SHARE, VIRIDIS_5,
    ZERO_COLOR, Classes, Indicator, MapData, MapView, Period, _palette, _text, aggregate, card, classify,
    commune_values, esc, formatted_values, legend_html, load_data, map_view, resolve_period, unit_suffix,
    value_column, values_table,
)
