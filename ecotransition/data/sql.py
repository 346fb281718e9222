"""Named SQL queries kept in queries/*.sql: loading them and running them on a cursor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:   # run() returns DuckDB's DataFrame: the import CLI starts without pandas (0.6 s)
    import pandas as pd

from ecotransition.core.paths import QUERIES_DIR

_PARAM = re.compile(r"(?<![:$\w])\$([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Query:
    name: str
    doc: str
    sql: str
    params: tuple[str, ...]


class QueryError(Exception):
    """A query file is missing, malformed, or was called with the wrong parameters."""


@lru_cache(maxsize=None)
def load(name: str) -> Query:
    path = QUERIES_DIR / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
        raise QueryError(f"unknown query {name!r}")
    text = path.read_text(encoding="utf-8")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if not first.startswith("-- "):
        raise QueryError(f"{path.name}: the first line must be a '-- ' doc sentence")
    # Parameters are looked up in the SQL without its comments, so a "$x" in a comment
    # does not become a required parameter.
    body = re.sub(r"--[^\n]*", "", text)
    params = tuple(dict.fromkeys(_PARAM.findall(body)))
    return Query(name=name, doc=first[3:].strip(), sql=text, params=params)


@lru_cache(maxsize=None)
def tables(name: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The `candidates` (table names) that queries/<name>.sql mentions outside its comments."""
    body = re.sub(r"--[^\n]*", "", load(name).sql)
    if "in_selection(" in body:
        body += " communes epci"   # what the macro of queries/macros.sql reads
    for view, sources in VIEWS.items():     # a query of a view reads the view's tables
        if re.search(rf"\b{view}\b", body):
            body += " " + " ".join(sources)
    return tuple(t for t in sorted(candidates) if re.search(rf"\b{re.escape(t)}\b", body))


SETUP = ("schema", "macros")   # DDL and shared macros, executed by the build, not queries


def names() -> list[str]:
    """Every query file except the DDL and the macros."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if p.stem not in SETUP)


def create_macros(conn: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the shared macros of queries/macros.sql on this connection."""
    conn.execute((QUERIES_DIR / "macros.sql").read_text(encoding="utf-8"))


# Views over the tables (computed by the parameterless query of the same name, on each read): view
# -> the tables it reads. Created by the build in the file and on every read connection.
# counter_same_days reads counter_calendar: created after it (dict order).
VIEWS = {"counter_calendar": ("counter_daily", "counter_channels"),
         "counter_same_days": ("counter_daily", "counter_channels"),
         "counter_places": ("counter_channels", "counter_sites", "park_sites")}


def create_views(conn: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the VIEWS on this connection (after the derived tables exist)."""
    for name in VIEWS:
        conn.execute(f"CREATE OR REPLACE VIEW {name} AS {load(name).sql}")


# Tables derived from others and stored by the writers, so that pages read a few hundred
# thousand rows instead of millions: derived table (computed by the parameterless query of the
# same name) -> the tables it is computed from.
# counter_daily also reads the channels' time step (a day expects its length over the step).
DERIVED = {"counter_daily": ("counter_measures", "counter_channels")}


def materialize(conn: duckdb.DuckDBPyConnection, table: str, where: str | None = None, **params) -> None:
    """(Re)compute a derived table from its query, inside the writer's transaction if any.

    With `where` (a condition on the table's columns, with $named `params`), only the rows it
    selects are replaced: DuckDB pushes the condition below the query's GROUP BY, so a small
    import re-reads its own channels and days, not the millions of other measures.
    """
    if where is None:
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS {load(table).sql}").fetchall()
        return
    conn.execute(f"DELETE FROM {table} WHERE {where}", params).fetchall()
    conn.execute(f"INSERT INTO {table} SELECT * FROM ({load(table).sql}) WHERE {where}", params).fetchall()


def measure_steps(conn: duckdb.DuckDBPyConnection, channels: list[str] | None = None) -> list[tuple]:
    """Set counter_channels.time_step (seconds) of `channels` (None: all) to the step their stored
    measures have (queries/counter_steps.sql), on `conn` itself so that it sees a writer's open
    transaction; a channel without measures keeps its declared step.

    Returns (channel_id, declared step or None, measured step) for each channel it changed, in
    channel order. Callers recompute counter_daily for those channels (a day expects its length
    over the step)."""
    steps = load("counter_steps").sql
    changed = conn.execute(
        f"SELECT ch.channel_id, ch.time_step, s.step FROM counter_channels ch JOIN ({steps}) s USING (channel_id) "
        "WHERE ch.time_step IS DISTINCT FROM s.step ORDER BY ch.channel_id", {"channels": channels}).fetchall()
    if changed:
        conn.execute("UPDATE counter_channels SET time_step = c.step FROM (SELECT unnest($ids) AS channel_id, "
                     "unnest($steps) AS step) c WHERE counter_channels.channel_id = c.channel_id",
                     {"ids": [c[0] for c in changed], "steps": [c[2] for c in changed]})
    return changed


def run_on_frames(name: str, frames: dict[str, pd.DataFrame], **params) -> pd.DataFrame:
    """Run a named query on DataFrames standing for the tables or views it reads (`frames`:
    relation name -> frame), in a private in-memory database with the shared macros: the same
    SQL as on the database file, for callers that hold frames (the anomaly rules' unit tests).
    The macros' own tables (communes, epci) are empty unless given."""
    conn = duckdb.connect()
    try:
        create_macros(conn)
        for table, ddl in (("communes", "code VARCHAR, epci_code VARCHAR"), ("epci", "code VARCHAR, short_name VARCHAR")):
            if table not in frames:
                conn.execute(f"CREATE TABLE {table} ({ddl})")
        for relation, frame in frames.items():
            if not re.fullmatch(r"[a-z_]+", relation):
                raise QueryError(f"not a table name: {relation!r}")
            # Copied into a table: a registered frame is seen by this connection only, not by
            # the cursor run() opens.
            conn.register("_frame", frame)
            conn.execute(f"CREATE TABLE {relation} AS SELECT * FROM _frame")
            conn.unregister("_frame")
        return run(conn, name, **params)
    finally:
        conn.close()


def run(conn: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a named query on its own cursor (connections are shared between threads)."""
    query = load(name)
    missing = set(query.params) - params.keys()
    extra = params.keys() - set(query.params)
    if missing or extra:
        raise QueryError(
            f"{name}: missing parameters {sorted(missing)}, unexpected {sorted(extra)}"
        )
    cur = conn.cursor()
    try:
        return cur.execute(query.sql, params or None).df()
    finally:
        cur.close()
