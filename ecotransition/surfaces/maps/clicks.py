"""What a click on the map means: the commune under the clicked point and the filters it selects."""

from __future__ import annotations

import math

import pandas as pd

from ecotransition.core.geo import CommuneLocator

# st_folium only sends what the page uses: a click on a layer. Pan and zoom (bounds,
# zoom, center) are left out, so moving the map never reruns the page. Its frontend sends a
# value only when it differs from the last one sent: the click count makes every click new,
# so a second click at the same spot (after deselecting, say) still selects.
RETURNED_OBJECTS = ["last_object_clicked", "last_object_clicked_count"]


def clicked_point(value) -> tuple[float, float] | None:
    """(lat, lon) of the last click on a map layer in st_folium's return value, or None."""
    if not isinstance(value, dict):
        return None
    point = value.get("last_object_clicked")
    if not isinstance(point, dict):
        return None
    try:
        lat, lon = float(point["lat"]), float(point["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


def clicked_commune(value, locator: CommuneLocator) -> str | None:
    """The INSEE code of the commune under the last click, or None (outside the territory)."""
    point = clicked_point(value)
    return locator(*point) if point else None


def needs_new_map(clicked: str | None, selected: str | None) -> bool:
    """Whether the selection moved away from the commune the map's last click chose (the
    « Désélectionner » button, the sidebar): the map is then drawn anew, which closes that
    commune's popup instead of leaving it open over a map that no longer selects it."""
    return clicked is not None and clicked != selected


def selection_updates(code: str | None, communes: pd.DataFrame, current_epci: str | None,
                      current_commune: str | None) -> dict:
    """Session-state changes for the sidebar filters after a click on `code`.

    The commune filter's options are the communes of the selected agglomeration, so a
    click outside it moves the agglomeration filter to the commune's own.
    """
    if code is None or code == current_commune:
        return {}
    row = communes.loc[communes["code"] == code]
    if row.empty:
        return {}
    updates: dict = {"commune": code}
    epci = row["epci"].iloc[0]
    if current_epci is not None and current_epci != epci:
        updates["epci"] = epci
    return updates
