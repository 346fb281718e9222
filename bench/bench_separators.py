"""Cost of reading the separators' evidence from the whole file (validate.resolve_separators,
evidence_table): an Enedis-like national file, and an Opendatasoft export with a « Geo Shape »
column of polygons longer than 131 072 characters. For each: the whole import with and without
one ambiguous cell (« 3.151 », resolved by a « 2010,5 » of another commune), and evidence_table
alone on the file read as a Table.

    python bench/bench_separators.py [--rows 35000] [--shapes 300] [--repeat 3]

Builds a scale-1 database in a temporary folder (python -m ecotransition.build)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["annee", "code_commune", "nom_commune", "code_epci", "domaine_de_tension", "nb_sites_photovoltaique_enedis",
          "energie_produite_annuelle_photovoltaique_enedis_mwh", "nb_sites_eolien_enedis",
          "energie_produite_annuelle_eolien_enedis_mwh", "nb_sites_autres_filieres_enedis",
          "energie_produite_annuelle_autres_filieres_enedis_mwh", "code_region"]


def national(rows: int, ambiguous: bool) -> bytes:
    """`rows` rows of other communes (set aside) and one of Lens; energies « 2010,5 »-like."""
    lines = [";".join(HEADER)]
    for k in range(rows):
        lines.append(f"2024;59{1 + k % 600:03d};Commune {k};200000000;BT;{k % 400};{k % 9000},{k % 10};"
                     f"{k % 3};{k % 700},5;{k % 5};{k % 90},25;32")
    lines.append(f"2024;62498;Lens;246200364;BT;412;{'3.151' if ambiguous else '3151'};0;0;0;0;32")
    return ("\n".join(lines) + "\n").encode()


def shapes(rows: int, ambiguous: bool) -> bytes:
    """An Opendatasoft export: a Geo Shape of 140 000+ characters on each row."""
    shape = '"{""type"": ""Polygon"", ""coordinates"": [[' + ", ".join(
        f"[2.{i:06d}, 50.{i:06d}]" for i in range(7_000)) + ']]}"'
    assert len(shape) > 131_072
    lines = [";".join(HEADER[:7] + ["Geo Shape"])]
    for k in range(rows):
        lines.append(f"2024;59{1 + k % 600:03d};Commune {k};200000000;BT;{k % 400};{k % 9000},{k % 10};{shape}")
    lines.append(f"2024;62498;Lens;246200364;BT;412;{'3.151' if ambiguous else '3151'};{shape}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    import duckdb

    from ecotransition.imports import LOADED, import_file
    from ecotransition.imports.readers import read_table
    from ecotransition.imports.validate import evidence_table, install_macros

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=35_000)
    ap.add_argument("--shapes", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_separators."))
    try:
        base = tmp / "base.duckdb"
        subprocess.run([sys.executable, "-m", "ecotransition.build", "--db", str(base)], cwd=ROOT, check=True,
                       capture_output=True)
        print("| file | size | cells | import, no ambiguous cell (s) | import, one « 3.151 » (s) | evidence_table (s) | evidence rows |")
        print("|---|---|---|---|---|---|---|")
        for name, make, n in (("national", national, args.rows), ("Geo Shape", shapes, args.shapes)):
            times = {}
            for ambiguous in (False, True):
                data = make(n, ambiguous)
                runs = []
                for _ in range(args.repeat):
                    db = tmp / "x.duckdb"
                    shutil.copy(base, db)
                    t0 = time.perf_counter()
                    result = import_file("solar_production", data, db, file_name="enedis.csv")
                    runs.append(time.perf_counter() - t0)
                    assert result.status == LOADED, result.message
                times[ambiguous] = statistics.median(runs)
            table = read_table(data)
            conn = duckdb.connect()
            install_macros(conn)
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                evidence_table(conn, table)
                runs.append(time.perf_counter() - t0)
            kept = conn.execute("SELECT count(*) FROM _evidence").fetchall()[0][0]
            cells = len(table.rows) * len(table.header)
            print(f"| {name} ({n + 1} rows) | {len(data) / 2**20:.1f} MiB | {cells:,} | {times[False]:.2f} | "
                  f"{times[True]:.2f} | {statistics.median(runs):.3f} | {kept:,} |")
            conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
