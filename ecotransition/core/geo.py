"""Commune geometries: which commune a point falls in, and agglomeration outlines."""

from __future__ import annotations

import json

import pandas as pd
import shapely
from shapely.geometry import shape


class CommuneLocator:
    """Point-in-polygon lookup over the reference communes (an STRtree, built once)."""

    def __init__(self, communes: pd.DataFrame):
        self.codes = communes["code"].tolist()
        self.geoms = [shape(json.loads(g)) for g in communes["geometry"]]
        self.tree = shapely.STRtree(self.geoms)

    def __call__(self, lat: float, lon: float) -> str | None:
        if lat is None or lon is None or pd.isna(lat) or pd.isna(lon):
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(min(hits))] if len(hits) else None


def dissolve(communes: pd.DataFrame, by: str = "epci_code") -> dict[str, dict]:
    """GeoJSON geometry of each group of communes (e.g. each agglomeration's outline)."""
    out = {}
    for key, group in communes.groupby(by):
        geoms = [shape(json.loads(g)) for g in group["geometry"]]
        merged = shapely.union_all(geoms, grid_size=1e-4)
        out[key] = shapely.geometry.mapping(merged)
    return out
