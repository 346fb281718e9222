"""What every import format shares: the import in progress (Context), how a dataset is imported
(Dataset), the common columns (coordinates, commune, source) and rules (unknown communes,
duplicate keys, coordinate pairs, locating points in communes).

Every build step reads the staged table `_parsed` (see validate.py) and writes `_new`, whose
columns are the table's key, the value columns the file provides, `source` and `line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import duckdb

from ecotransition.data import registry
from ecotransition.imports.validate import Col, Format, Issue, Staged, rule

PARK_RADIUS_M = 1000  # a counter belongs to a park site when it stands within 1 km of it

MOBILITY = ("BIKE|TWO WHEELS MOTORIZED|PEDESTRIAN|E-SCOOTER|HORSE-RIDER|CAR|BUS|MINIBUS|TRUCK|VAN"
            "|TRAMWAY|CANOE|UNDEFINED")
DIRECTIONS = ("N", "NW", "NE", "W", "SW", "S", "SE", "E")


@dataclass
class Context:
    """One import in progress, inside the writer connection."""
    conn: duckdb.DuckDBPyConnection
    staged: Staged
    source: str                             # `source` written on new rows (unless the file gives one)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provided: set[str] = field(default_factory=set)  # table columns the file sets
    options: dict = field(default_factory=dict)       # what staff said at import (e.g. snapshot_year)
    file_name: str = ""
    span: tuple = ()                                  # first key's values, second key's bounds (set by the load)
    own_time_notes: set = field(default_factory=set)  # date columns whose time part the format's build explains

    @property
    def fmt(self) -> Format:
        return self.staged.match.format

    def label(self, name: str) -> str:
        return self.staged.label(name)

    def has(self, name: str) -> bool:
        return name in self.staged.present

    def check(self, sql: str, **params) -> None:
        """Add the issues a query returns as (line, column name, value, reason); the column is
        shown as headed in the file, and any text from the file is a parameter, never SQL."""
        self.issues.extend(rule(self.conn, sql, params, label=self.label))

    def lines_unknown(self, what: str) -> bool:
        """On the fast path rows have no line number yet: a problem found there is recorded
        without one, so that the file is read again with exact lines and the rule runs again
        (a rule comparing line numbers would otherwise find nothing, whatever the file holds)."""
        if self.staged.exact_lines:
            return False
        self.issues.append(Issue(2, None, None, None, f"en double : {what}"))
        return True

    def scalar(self, sql: str, **params):
        return self.conn.execute(sql, params).fetchall()[0][0]


@dataclass(frozen=True)
class Dataset:
    """How files are imported into one registry dataset (its table, key and label are declared
    once, in ecotransition.data.registry)."""
    name: str                               # = the registry's table
    values: tuple[str, ...]                 # every value column an import may set (besides source)
    formats: tuple[Format, ...]
    build: Callable[[Context], None]        # rules + `_new`
    select: Callable[[Context], None] | None = None   # drops rows out of scope before type checks
    fast: bool = False                      # may be read by DuckDB directly (large files)
    description: str = ""

    @property
    def label(self) -> str:
        return registry.get(self.name).label

    @property
    def table(self) -> str:
        return registry.get(self.name).table

    @property
    def key(self) -> tuple[str, ...]:
        return registry.get(self.name).key

    @property
    def template(self) -> Format:
        return self.formats[0]


# ------------------------------------------------------------------ shared columns

def _lat(*headers: str, required: bool = False, mandatory: bool = False) -> Col:
    return Col("lat", "number", headers or ("lat", "latitude"), required, mandatory, -90, 90,
               help="latitude en degrés décimaux (WGS 84) ; vide = centre de la commune", example="")


def _lon(*headers: str, required: bool = False, mandatory: bool = False) -> Col:
    return Col("lon", "number", headers or ("lon", "longitude"), required, mandatory, -180, 180,
               help="longitude en degrés décimaux (WGS 84)", example="")


_COMMUNE = ("code_commune", "commune_code", "code_insee")
_SOURCE = Col("source", "text", ("source",), help="source de la ligne ; vide = nom du fichier et date d'import")
_DESCRIPTION = Col("description", "text", ("description",), help="texte libre", multiline=True)


# --------------------------------------------------------------------- shared rules

def unknown_communes(ctx: Context, col: str = "commune_code") -> None:
    if ctx.has(col):
        ctx.check(
            f"SELECT line, '{col}', r__{col}, "
            "'n''est pas une commune du Pôle métropolitain de l''Artois' "
            f"FROM _parsed WHERE {col} IS NOT NULL AND {col} NOT IN (SELECT code FROM communes)")


def outside_communes(ctx: Context, what: tuple[str, str], col: str = "commune_code") -> None:
    """For datasets whose rows may lie outside the territory (events, counter sites: « vide = hors du
    territoire »), a valid INSEE code of another commune is such a row, not an error (issue #14, kind 2;
    t14h finding 15): its commune is left empty (_point_select) and the import's note counts it.
    `what`: the row's French noun, singular and plural. A text that is no code is refused by the
    type check (validate._insee), naming its cell."""
    if ctx.has(col):
        n = ctx.scalar(f"SELECT count(*) FROM _parsed WHERE {col} IS NOT NULL "
                       f"AND {col} NOT IN (SELECT code FROM communes)")
        if n:
            ctx.notes.append(f"{n} {what[n > 1]} hors du territoire (code d'une commune hors du Pôle "
                             "métropolitain : commune laissée vide)")


def duplicates(ctx: Context, keys: list[str], what: str, label_col: str | None = None) -> None:
    """Rows whose key repeats an earlier row of the file (checked with a cheap count first,
    then detailed only when needed: the key may span a million rows)."""
    cols = ", ".join(keys)
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    dup = ctx.scalar(f"SELECT count(*) FROM (SELECT 1 FROM _parsed WHERE {present} "
                     f"GROUP BY {cols} HAVING count(*) > 1)")
    if not dup:
        return
    if ctx.lines_unknown(what):
        return
    shown = label_col or keys[0]
    ctx.check(
        f"SELECT line, '{shown}', r__{shown}, $reason || first FROM ("
        f"SELECT line, r__{shown}, min(line) OVER (PARTITION BY {cols}) AS first "
        f"FROM _parsed WHERE {present}) WHERE line > first ORDER BY line",
        reason=f"en double : {what} qu'à la ligne ")


def coordinate_pairs(ctx: Context) -> None:
    if ctx.has("lat") or ctx.has("lon"):
        for one, other in (("lat", "lon"), ("lon", "lat")):
            ctx.check(
                f"SELECT line, '{other}', NULL, $reason "
                f"FROM _parsed WHERE {one} IS NOT NULL AND {other} IS NULL AND n__{other} = true",
                reason=f"valeur manquante : {ctx.label(one)} est renseignée")


def _locate(ctx: Context) -> None:
    """Commune of rows that give coordinates but no commune (NULL outside the territory)."""
    import pandas as pd   # here only: the measures' fast path (and the CLI's start) does without it

    from ecotransition.core.geo import CommuneLocator

    rows = ctx.conn.execute(
        "SELECT line, lat, lon FROM _parsed WHERE commune_code IS NULL "
        "AND lat IS NOT NULL AND lon IS NOT NULL").fetchall()
    frame = pd.DataFrame(rows, columns=["line", "lat", "lon"])
    if len(frame):
        communes = ctx.conn.execute("SELECT code, geometry FROM communes").df()
        locate = CommuneLocator(communes)
        frame["code"] = [locate(a, b) for a, b in zip(frame["lat"], frame["lon"])]
    else:
        frame["code"] = pd.Series(dtype="object")
    ctx.conn.register("_located_frame", frame[["line", "code"]])
    ctx.conn.execute("CREATE OR REPLACE TEMP TABLE _located AS SELECT line, code::VARCHAR AS code "
                     "FROM _located_frame")
    ctx.conn.unregister("_located_frame")


def _point_select(alias: str = "p") -> str:
    """commune_code, lat, lon of a row: coordinates located in a commune, or the commune's
    centroid when the row has none. A valid code of a commune outside the Pôle (datasets that
    accept one: outside_communes) is outside the territory: no commune, its own coordinates."""
    return (f"CASE WHEN {alias}.commune_code IS NULL THEN loc.code "
            f"WHEN {alias}.commune_code IN (SELECT code FROM communes) THEN {alias}.commune_code END AS commune_code, "
            f"coalesce({alias}.lat, c.lat) AS lat, coalesce({alias}.lon, c.lon) AS lon")


_POINT_JOIN = ("LEFT JOIN _located loc ON loc.line = p.line "
               "LEFT JOIN communes c ON c.code = p.commune_code AND p.lat IS NULL AND p.lon IS NULL")


def _keep_stored_position(ctx: Context, table: str, derived: bool = False) -> None:
    """A file without lat/lon columns says nothing about positions: a row already stored with one
    keeps it (and, for events, its position_derived flag), so a spreadsheet of other columns never
    moves a park to its commune's centroid. The centroid `_new` holds is kept for new rows, rows
    stored without a position, and rows whose commune the file changes (a stored point then lies
    in another commune). A file with the columns but an empty cell asks for the centroid, as the
    templates say (« vide = centre de la commune »)."""
    if ctx.has("lat") or ctx.has("lon"):
        return
    flag = ", position_derived = s.position_derived" if derived else ""
    ctx.conn.execute(
        f"UPDATE _new SET lat = s.lat, lon = s.lon{flag} FROM {table} s "
        "WHERE s.id = _new.id AND s.lat IS NOT NULL AND s.lon IS NOT NULL "
        "AND s.commune_code IS NOT DISTINCT FROM _new.commune_code")


def _source(ctx: Context, alias: str = "p") -> str:
    return f"coalesce({alias}.source, $source) AS source" if ctx.has("source") else "$source AS source"


def _provided(ctx: Context, names: tuple[str, ...], always: tuple[str, ...] = ()) -> None:
    ctx.provided = {n for n in names if ctx.has(n)} | set(always)


def _add_key(ctx: Context, expr: str) -> None:
    """A natural key `nk` on the staged rows: `expr` builds it with the _nk macro (validate.MACROS:
    case, accents and blanks folded), the same macro that reads the stored rows' keys."""
    ctx.conn.execute("ALTER TABLE _parsed ADD COLUMN nk VARCHAR")
    ctx.conn.execute(f"UPDATE _parsed SET nk = {expr}")


def _slug(expr: str) -> str:
    return f"trim(regexp_replace(lower(strip_accents({expr})), '[^a-z0-9]+', '-', 'g'), '-')"

