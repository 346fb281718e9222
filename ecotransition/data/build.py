"""Build the DuckDB database from data/seed/ plus the demonstration series.

    python -m ecotransition.build [--db PATH] [--demo-scale N]

The database is written to a temporary file next to the target and renamed at the end,
so a reader never opens a half-built file and a failed build leaves the old one intact.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from ecotransition.core.geo import CommuneLocator
from ecotransition.core.paths import QUERIES_DIR, SEED_DIR, db_path
from ecotransition.data import demo, registry, sql
from ecotransition.data.db import DatabaseBusy, new_database

# Seed files loaded as they are, in dependency order: file stem = table name (see the registry).
SEED_TABLES = registry.SEED_TABLES

Progress = Callable[[float, str], None]


def _print_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", flush=True)


def _load_seed(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    path = SEED_DIR / f"{table}.csv"
    if not path.exists():
        return 0
    # all_varchar: INSEE codes and ids stay text; the table's types do the casting.
    conn.execute(
        f"INSERT INTO {table} BY NAME "
        "SELECT * FROM read_csv($path, header = true, all_varchar = true, quote = '\"')",
        {"path": str(path)},
    )
    return conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _insert(conn: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    conn.register("_frame", df)
    try:
        conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        conn.unregister("_frame")


def build(path: Path, scale: int = 1, progress: Progress = _print_progress) -> dict[str, int]:
    """Build the whole database at `path`; returns the row count of every table."""
    if scale < 1:
        raise ValueError("demo scale must be at least 1")
    t0 = time.perf_counter()
    with new_database(path) as conn:
        progress(0.0, "Création des tables")
        conn.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
        sql.create_macros(conn)
        for table in SEED_TABLES:
            n = _load_seed(conn, table)
            progress(0.05, f"{table} : {n} lignes (data/seed)")

        def table(name: str) -> pd.DataFrame:
            return conn.execute(f"SELECT * FROM {name}").df()

        communes, parks, events = table("communes"), table("park_sites"), table("events")
        prod, potential = demo.solar(communes)
        _insert(conn, "solar_production", prod)
        _insert(conn, "solar_potential", potential)
        _insert(conn, "cadastre_usage", demo.cadastre())
        known_jobs = conn.execute(
            "SELECT coalesce(sum(jobs), 0) FROM investments WHERE source <> 'démonstration'"
        ).fetchall()[0][0]
        _insert(conn, "investments", demo.investments(communes, known_jobs=int(known_jobs)))
        _insert(conn, "indicators", demo.targets())
        progress(0.1, "Séries solaires et investissements de démonstration")

        sites, channels = demo.counter_sites(parks, CommuneLocator(communes), scale)
        _insert(conn, "counter_sites", sites)
        _insert(conn, "counter_channels", channels)
        for k, frame in enumerate(demo.counter_measures(sites, channels, parks, events)):
            _insert(conn, "counter_measures", frame)
            if (k + 1) % max(1, len(sites) // 10) == 0 or k + 1 == len(sites):
                progress(0.1 + 0.85 * (k + 1) / len(sites),
                         f"Comptages : {k + 1}/{len(sites)} sites")

        # The demonstration measures carry their own offset (demo._wall): the Paris rule cannot tell
        # the two 02:00 of October apart from a wall clock alone.
        # The step of the generated measures, by the imports' rule (one definition of a channel's step).
        sql.measure_steps(conn)
        for name in sql.DERIVED:
            sql.materialize(conn, name)
        sql.create_views(conn)

        info = {
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "demo_scale": str(scale),
            "demo_seed": str(demo.SEED),
        }
        conn.executemany("INSERT INTO build_info VALUES (?, ?)", list(info.items()))
        counts = {
            name: conn.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables ORDER BY table_name"
            ).fetchall()
        }
    progress(1.0, f"Base prête en {time.perf_counter() - t0:.1f} s : {path}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecotransition.build", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: $ECOTRANSITION_DB or data/ecotransition.duckdb)")
    parser.add_argument("--demo-scale", type=int, default=1, help="multiplies the generated volume (16 ≈ 10 M measures)")
    args = parser.parse_args(argv)
    path = db_path(args.db)
    t0 = time.perf_counter()
    try:
        counts = build(path, args.demo_scale)
    except DatabaseBusy as exc:
        print(f"Construction impossible : {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - t0
    for name, n in counts.items():
        print(f"  {name:<18} {n:>12,}".replace(",", " "))
    print(f"built in {elapsed:.1f} s, {path.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
