"""The importable datasets: accepted formats, the rules each one checks, and how its rows
are shaped for the table (`_new`), all in the writer connection.

Every build step reads the staged table `_parsed` (see validate.py) and writes `_new`, whose
columns are the table's key, the value columns the file provides, `source` and `line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import duckdb
import pandas as pd

from ecotransition.core.geo import CommuneLocator
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
_DESCRIPTION = Col("description", "text", ("description",), help="texte libre")


# --------------------------------------------------------------------- shared rules

def unknown_communes(ctx: Context, col: str = "commune_code") -> None:
    if ctx.has(col):
        ctx.check(
            f"SELECT line, '{col}', r__{col}, "
            "'n''est pas une commune du Pôle métropolitain de l''Artois' "
            f"FROM _parsed WHERE {col} IS NOT NULL AND {col} NOT IN (SELECT code FROM communes)")


def duplicates(ctx: Context, keys: list[str], what: str, label_col: str | None = None) -> None:
    """Rows whose key repeats an earlier row of the file (checked with a cheap count first,
    then detailed only when needed: the key may span a million rows)."""
    cols = ", ".join(keys)
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    dup = ctx.scalar(f"SELECT count(*) FROM (SELECT 1 FROM _parsed WHERE {present} "
                     f"GROUP BY {cols} HAVING count(*) > 1)")
    if not dup:
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
    centroid when the row has none."""
    return (f"coalesce({alias}.commune_code, loc.code) AS commune_code, "
            f"coalesce({alias}.lat, c.lat) AS lat, coalesce({alias}.lon, c.lon) AS lon")


_POINT_JOIN = ("LEFT JOIN _located loc ON loc.line = p.line "
               "LEFT JOIN communes c ON c.code = p.commune_code AND p.lat IS NULL AND p.lon IS NULL")


def _source(ctx: Context, alias: str = "p") -> str:
    return f"coalesce({alias}.source, $source) AS source" if ctx.has("source") else "$source AS source"


def _provided(ctx: Context, names: tuple[str, ...], always: tuple[str, ...] = ()) -> None:
    ctx.provided = {n for n in names if ctx.has(n)} | set(always)


def _add_key(ctx: Context, expr: str) -> None:
    """A normalised natural key `nk` on the staged rows (titles compared without case or accents)."""
    ctx.conn.execute("ALTER TABLE _parsed ADD COLUMN nk VARCHAR")
    ctx.conn.execute(f"UPDATE _parsed SET nk = {expr}")


def _slug(expr: str) -> str:
    return f"trim(regexp_replace(lower(strip_accents({expr})), '[^a-z0-9]+', '-', 'g'), '-')"


# -------------------------------------------------------------------------- events

EVENTS = Format("modele", "modèle Événements", (
    Col("title", "text", ("titre", "title"), True, True, help="intitulé de l'événement",
        example="Balade découverte de la Chaîne des parcs (exemple)"),
    Col("start_date", "date", ("date_debut", "start_date"), True, True,
        help="JJ/MM/AAAA ou AAAA-MM-JJ", example="14/09/2025"),
    Col("end_date", "date", ("date_fin", "end_date"), True, help="vide = même jour", example="14/09/2025"),
    Col("place", "text", ("lieu", "place"), True, help="lieu", example="Parc départemental d'Olhain"),
    Col("commune_code", "insee", _COMMUNE, True,
        help="code INSEE ; vide = hors du territoire", example="62540"),
    Col("theme", "text", ("theme",), True, help="thème", example="Chaîne des parcs"),
    Col("participants", "int", ("participants",), True, minimum=0,
        help="nombre de participants ; vide = inconnu", example="120"),
    _lat(), _lon(),
    Col("id", "text", ("id", "identifiant"), help="identifiant ; vide = calculé (titre + date)"),
    _DESCRIPTION, _SOURCE,
))


def build_events(ctx: Context) -> None:
    unknown_communes(ctx)
    coordinate_pairs(ctx)
    ctx.check("SELECT line, 'end_date', r__end_date, $reason FROM _parsed WHERE end_date < start_date",
              reason=f"est antérieure à {ctx.label('start_date')}")
    _add_key(ctx, "lower(strip_accents(trim(title)))")
    duplicates(ctx, ["nk", "start_date"], "même titre et même date de début", "title")
    duplicates(ctx, ["id"], "même identifiant")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH known AS (SELECT lower(strip_accents(trim(title))) AS nk, start_date, min(id) AS id "
        "               FROM events GROUP BY ALL) "
        f"SELECT p.line, coalesce(p.id, k.id, 'evt-' || strftime(p.start_date, '%Y-%m-%d') || '-' "
        f"       || left({_slug('p.title')}, 40) || '-' || left(md5(p.nk), 6)) AS id, "
        "       p.title, p.start_date, coalesce(p.end_date, p.start_date) AS end_date, p.place, "
        f"      {_point_select()}, p.theme, p.participants::INTEGER AS participants, "
        f"      p.description, {_source(ctx)} "
        f"FROM _parsed p LEFT JOIN known k ON k.nk = p.nk AND k.start_date = p.start_date {_POINT_JOIN}",
        {"source": ctx.source})
    _provided(ctx, ("title", "start_date", "end_date", "place", "theme", "participants", "description"),
              ("commune_code", "lat", "lon"))


# --------------------------------------------------------------------- investments

INVESTMENTS = Format("modele", "modèle Investissements", (
    Col("name", "text", ("nom", "name"), True, True, help="nom du projet", example="Extension d'usine (exemple)"),
    Col("company", "text", ("entreprise", "company"), True, help="entreprise",
        example="Entreprise exemple"),
    Col("sector", "text", ("secteur", "sector"), True, help="secteur", example="Industrie"),
    Col("commune_code", "insee", _COMMUNE, True, help="code INSEE", example="62119"),
    Col("amount_eur", "number", ("montant_eur", "amount_eur"), True, minimum=0,
        help="montant en euros ; vide = non publié", example="12500000"),
    Col("jobs", "int", ("emplois", "jobs"), True, minimum=0, help="emplois annoncés ; vide = non publié",
        example="85"),
    Col("status", "text", ("statut", "status"), True, help="annoncé, en travaux, en production, en service…",
        example="annoncé"),
    Col("announced_year", "year", ("annee_annonce", "announced_year"), True, help="année de l'annonce",
        example="2025"),
    _lat(), _lon(),
    Col("id", "text", ("id", "identifiant"), help="identifiant ; vide = calculé (nom + entreprise)"),
    _DESCRIPTION, _SOURCE,
))


def build_investments(ctx: Context) -> None:
    unknown_communes(ctx)
    coordinate_pairs(ctx)
    _add_key(ctx, "lower(strip_accents(trim(name))) || '|' || coalesce(lower(strip_accents(trim(company))), '')")
    duplicates(ctx, ["nk"], "même nom et même entreprise", "name")
    duplicates(ctx, ["id"], "même identifiant")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH known AS (SELECT lower(strip_accents(trim(name))) || '|' "
        "               || coalesce(lower(strip_accents(trim(company))), '') AS nk, min(id) AS id "
        "               FROM investments GROUP BY ALL) "
        f"SELECT p.line, coalesce(p.id, k.id, 'inv-' || left({_slug('p.name')}, 40) || '-' "
        "       || left(md5(p.nk), 6)) AS id, "
        f"      p.name, p.company, p.sector, {_point_select()}, p.amount_eur, "
        "       p.jobs::INTEGER AS jobs, p.status, p.announced_year::INTEGER AS announced_year, "
        f"      p.description, {_source(ctx)} "
        f"FROM _parsed p LEFT JOIN known k ON k.nk = p.nk {_POINT_JOIN}",
        {"source": ctx.source})
    _provided(ctx, ("name", "company", "sector", "amount_eur", "jobs", "status", "announced_year",
                    "description"), ("commune_code", "lat", "lon"))


# ---------------------------------------------------------------------- park sites

PARKS = Format("modele", "modèle Sites de la Chaîne des parcs", (
    Col("id", "text", ("id", "identifiant"), True, True, help="identifiant stable du site",
        example="parc-exemple"),
    Col("name", "text", ("nom", "name"), True, True, help="nom du site", example="Parc exemple"),
    Col("commune_code", "insee", _COMMUNE, True, help="code INSEE", example="62498"),
    _lat(), _lon(),
    Col("area_ha", "number", ("surface_ha", "area_ha"), minimum=0, help="surface en hectares", example="12,5"),
    Col("kind", "text", ("type", "kind"), help="parc, site minier, base de loisirs…", example="parc"),
    Col("opened", "date", ("ouverture", "opened"), help="date d'ouverture si récente", example=""),
    _DESCRIPTION, _SOURCE,
))


def build_parks(ctx: Context) -> None:
    unknown_communes(ctx)
    coordinate_pairs(ctx)
    duplicates(ctx, ["id"], "même identifiant")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        f"SELECT p.line, p.id, p.name, {_point_select()}, p.area_ha, p.kind, p.opened, p.description, "
        f"{_source(ctx)} FROM _parsed p {_POINT_JOIN}", {"source": ctx.source})
    _provided(ctx, ("name", "area_ha", "kind", "opened", "description"), ("commune_code", "lat", "lon"))


# ---------------------------------------------------------------------- indicators

INDICATORS = Format("modele", "modèle Indicateurs", (
    Col("id", "text", ("id", "identifiant"), True, True, help="identifiant de l'indicateur (minuscules, _)",
        example="exemple_indicateur"),
    Col("year", "year", ("annee", "year"), True, True, help="année", example="2024"),
    Col("label", "text", ("libelle", "label"), True, True, help="libellé affiché", example="Indicateur exemple"),
    Col("value", "number", ("valeur", "value"), True, help="valeur ; vide = non disponible", example="1234,5"),
    Col("unit", "text", ("unite", "unit"), help="unité", example="unités"),
    Col("theme", "text", ("theme",), help="thème", example="Territoire"),
    Col("target", "number", ("cible", "target"), help="objectif", example=""),
    Col("target_year", "year", ("annee_cible", "target_year"), help="année de l'objectif", example=""),
    Col("direction", "choice", ("sens", "direction"),
        choices=(("hausse", "up"), ("baisse", "down"), ("up", "up"), ("down", "down")),
        help="hausse ou baisse : le sens souhaitable", example="hausse"),
    Col("note", "text", ("note",), help="précision", example=""),
    _SOURCE,
))


def build_indicators(ctx: Context) -> None:
    ctx.check("SELECT line, 'id', r__id, "
              "'identifiant invalide (lettres minuscules, chiffres et _ uniquement)' "
              "FROM _parsed WHERE id IS NOT NULL AND NOT regexp_full_match(id, '[a-z0-9_]+')")
    duplicates(ctx, ["id", "year"], "même identifiant et même année")
    if ctx.issues:
        return
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.id, p.year::INTEGER AS year, p.label, "
        "p.theme, p.unit, p.value, p.target, p.target_year::INTEGER AS target_year, p.direction, p.note, "
        f"{_source(ctx)} FROM _parsed p", {"source": ctx.source})
    _provided(ctx, ("label", "theme", "unit", "value", "target", "target_year", "direction", "note"))


# ----------------------------------------------------------- solar potential, cadastre

POTENTIAL = Format("modele", "modèle Potentiel solaire", (
    Col("commune_code", "insee", _COMMUNE, True, True, help="code INSEE", example="62498"),
    Col("potential_mwh", "number", ("potentiel_mwh", "potential_mwh"), True, minimum=0,
        help="potentiel photovoltaïque des toitures (MWh/an)", example="95000"),
    _SOURCE,
))


def build_potential(ctx: Context) -> None:
    unknown_communes(ctx)
    duplicates(ctx, ["commune_code"], "même commune")
    if ctx.issues:
        return
    ctx.conn.execute("CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.commune_code, p.potential_mwh, "
                     f"{_source(ctx)} FROM _parsed p", {"source": ctx.source})
    _provided(ctx, ("potential_mwh",))


CADASTRE = Format("modele", "modèle Fréquentation du cadastre solaire", (
    Col("date", "date", ("date", "jour"), True, True, help="jour", example="26/09/2023"),
    Col("users", "int", ("utilisateurs", "users"), True, minimum=0,
        help="utilisateurs du cadastre solaire ce jour-là", example="180"),
    _SOURCE,
))


def build_cadastre(ctx: Context) -> None:
    duplicates(ctx, ["date"], "même jour")
    if ctx.issues:
        return
    ctx.conn.execute("CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.date, p.users::INTEGER AS users, "
                     f"{_source(ctx)} FROM _parsed p", {"source": ctx.source})
    _provided(ctx, ("users",))


# ---------------------------------------------------------------- solar production

SOLAR_TEMPLATE = Format("modele", "modèle Production solaire", (
    Col("commune_code", "insee", _COMMUNE, True, True, help="code INSEE", example="62498"),
    Col("year", "year", ("annee", "year"), True, True, help="année", example="2023"),
    Col("sites", "int", ("sites", "nb_sites"), minimum=0, help="installations en service", example="850"),
    Col("power_kw", "number", ("puissance_kw", "power_kw"), minimum=0, help="puissance installée (kW)",
        example="6200"),
    Col("energy_mwh", "number", ("energie_mwh", "energy_mwh"), minimum=0, help="énergie produite (MWh)",
        example="5800"),
    _SOURCE,
))

ENEDIS = Format("enedis", "Enedis – production électrique par filière à la maille commune", (
    Col("year", "year", ("annee",), True, True),
    Col("commune_code", "insee", ("code_commune",), True, True),
    Col("sites", "int", ("nb_sites_photovoltaique_enedis", "nb_sites_photovoltaiques_enedis"), True,
        minimum=0),
    Col("energy_mwh", "number", ("energie_produite_annuelle_photovoltaique_enedis_mwh",
                                 "energie_photovoltaique_annuelle_enedis"), minimum=0),
), strict=False, source="Enedis, production électrique par filière à la maille commune")

ODRE = Format("odre", "ODRÉ – registre national des installations de production d'électricité", (
    Col("commune_code", "insee", ("codeinseecommune",), True),
    Col("commissioned", "date", ("datemiseenservice",), True),
    Col("power_kw", "number", ("puismaxinstallee",), True, minimum=0),
    Col("installations", "int", ("nbinstallations",), minimum=0),
    Col("filiere", "text", ("filiere",)),
    Col("filiere_code", "text", ("codefiliere",)),
), strict=False, source="ODRÉ, registre national des installations de production d'électricité")


def _in_territory(ctx: Context, one: str, many: str) -> None:
    before = ctx.staged.rows
    ctx.conn.execute("DELETE FROM _parsed WHERE commune_code IS NULL "
                     "OR commune_code NOT IN (SELECT code FROM communes)")
    after = ctx.scalar("SELECT count(*) FROM _parsed")
    gone = before - after
    if gone:
        ctx.notes.append(f"{gone} {one if gone == 1 else many} hors des communes du Pôle métropolitain")
    ctx.staged.rows = after


def select_solar(ctx: Context) -> None:
    if ctx.fmt.key == "enedis":
        _in_territory(ctx, "ligne ignorée", "lignes ignorées")
    elif ctx.fmt.key == "odre":
        before = ctx.staged.rows
        ctx.conn.execute(
            "DELETE FROM _parsed WHERE NOT coalesce(upper(trim(filiere_code)) = 'SOLAI' "
            "OR (filiere_code IS NULL AND lower(strip_accents(filiere)) LIKE 'solaire%'), false)")
        ctx.staged.rows = ctx.scalar("SELECT count(*) FROM _parsed")
        if before - ctx.staged.rows:
            gone = before - ctx.staged.rows
            ctx.notes.append(f"{gone} ligne{'s' if gone > 1 else ''} d'autres filières ignorée{'s' if gone > 1 else ''}")
        _in_territory(ctx, "ligne d'installations solaires ignorée", "lignes d'installations solaires ignorées")


def build_solar(ctx: Context) -> None:
    key = ctx.fmt.key
    if key == "modele":
        if not any(ctx.has(c) for c in ("sites", "power_kw", "energy_mwh")):
            ctx.issues.append(Issue(0, 1, None, None, "aucune colonne de valeurs : ajoutez sites, "
                                    "puissance_kw ou energie_mwh"))
        unknown_communes(ctx)
        duplicates(ctx, ["commune_code", "year"], "même commune et même année")
        if ctx.issues:
            return
        ctx.conn.execute(
            "CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.commune_code, p.year::INTEGER AS year, "
            "p.sites::INTEGER AS sites, p.power_kw, p.energy_mwh, "
            f"{_source(ctx)} FROM _parsed p", {"source": ctx.source})
        _provided(ctx, ("sites", "power_kw", "energy_mwh"))
    elif key == "enedis":
        if ctx.issues:
            return
        # One line per voltage range in recent files: a commune's year is their sum
        # (empty when every part is empty: Enedis masks small counts).
        ctx.conn.execute(
            "CREATE OR REPLACE TEMP TABLE _new AS SELECT min(line) AS line, commune_code, "
            "year::INTEGER AS year, CASE WHEN count(sites) > 0 THEN sum(sites) END::INTEGER AS sites, "
            "CASE WHEN count(energy_mwh) > 0 THEN sum(energy_mwh) END AS energy_mwh, $source AS source "
            "FROM _parsed GROUP BY commune_code, year", {"source": ctx.source})
        ctx.provided = {"sites", "energy_mwh"} if ctx.has("energy_mwh") else {"sites"}
    else:
        if ctx.issues:
            return
        undated = ctx.scalar("SELECT count(*) FROM _parsed WHERE commissioned IS NULL")
        if undated:
            ctx.notes.append(f"{undated} ligne{'s' if undated > 1 else ''} d'installations solaires sans date "
                             f"de mise en service ignorée{'s' if undated > 1 else ''}")
        # The register lists the installations in service: per commune, the park in service
        # at the end of each year is the sum of everything commissioned up to that year.
        ctx.conn.execute(
            "CREATE OR REPLACE TEMP TABLE _new AS "
            "WITH y AS (SELECT commune_code, year(commissioned) AS year, min(line) AS line, "
            "           sum(coalesce(installations, 1)) AS sites, sum(power_kw) AS power_kw "
            "           FROM _parsed WHERE commissioned IS NOT NULL GROUP BY ALL), "
            "last AS (SELECT max(year) AS y1 FROM y), "
            "first AS (SELECT commune_code, min(year) AS y0 FROM y GROUP BY 1), "
            "grid AS (SELECT first.commune_code, unnest(range(first.y0, last.y1 + 1)) AS year FROM first, last) "
            "SELECT coalesce(y.line, 0) AS line, grid.commune_code, grid.year::INTEGER AS year, "
            "  (sum(coalesce(y.sites, 0)) OVER w)::INTEGER AS sites, sum(coalesce(y.power_kw, 0)) OVER w AS power_kw, "
            "  $source AS source "
            "FROM grid LEFT JOIN y USING (commune_code, year) "
            "WINDOW w AS (PARTITION BY grid.commune_code ORDER BY grid.year)",
            {"source": ctx.source})
        ctx.provided = {"sites", "power_kw"}


# ---------------------------------------------------- schéma comptage des mobilités

SITES = Format("schema", "schéma comptage des mobilités – sites", (
    Col("site_id", "text", ("site_id",), True, True, help="identifiant du site", example="PMA-CPT-001"),
    Col("site_name", "text", ("site_name", "nom"), True, True, help="nom du site",
        example="Parc d'Olhain – entrée principale"),
    Col("commune_code", "insee", ("fr_insee_code", "commune_code", "code_commune"),
        help="code INSEE ; vide = déduit des coordonnées", example="62540"),
    Col("lon", "number", ("xlong", "lon", "longitude"), True, True, -180, 180,
        help="longitude (WGS 84)", example="2.58106"),
    Col("lat", "number", ("ylat", "lat", "latitude"), True, True, -90, 90,
        help="latitude (WGS 84)", example="50.44111"),
), strict=False, source="Comptage des mobilités")


def build_sites(ctx: Context) -> None:
    unknown_communes(ctx)
    duplicates(ctx, ["site_id"], "même site")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH s AS (SELECT p.line, p.site_id, p.site_name, coalesce(p.commune_code, loc.code) AS commune_code, "
        "           p.lat, p.lon FROM _parsed p LEFT JOIN _located loc ON loc.line = p.line), "
        "d AS (SELECT s.site_id, k.id, 6371000 * 2 * asin(sqrt(pow(sin(radians(k.lat - s.lat) / 2), 2) "
        "      + cos(radians(s.lat)) * cos(radians(k.lat)) * pow(sin(radians(k.lon - s.lon) / 2), 2))) AS m "
        "      FROM s, park_sites k WHERE k.lat IS NOT NULL AND k.lon IS NOT NULL) "
        "SELECT s.*, (SELECT d.id FROM d WHERE d.site_id = s.site_id AND d.m <= $radius "
        "             ORDER BY d.m, d.id LIMIT 1) AS park_id, $source AS source FROM s",
        {"source": ctx.source, "radius": PARK_RADIUS_M})
    outside = ctx.scalar("SELECT count(*) FROM _new WHERE commune_code IS NULL")
    if outside:
        ctx.notes.append(f"{outside} site{'s' if outside > 1 else ''} hors du territoire (commune laissée vide)")
    ctx.provided = {"site_name", "commune_code", "lat", "lon", "park_id"}


CHANNELS = Format("schema", "schéma comptage des mobilités – canaux", (
    Col("channel_id", "text", ("channel_id",), True, True, help="identifiant du canal",
        example="PMA-CPT-001-velo"),
    Col("site_id", "text", ("site_id",), True, True, help="site (importé auparavant)", example="PMA-CPT-001"),
    Col("mobility_type", "pattern", ("mobility_type",), pattern=rf"({MOBILITY})(\s*,\s*({MOBILITY}))*",
        help="BIKE, PEDESTRIAN… ; vide = UNDEFINED", example="BIKE"),
    Col("direction", "choice", ("direction",), choices=tuple((d.lower(), d) for d in DIRECTIONS),
        help="N, NE, E, SE, S, SW, W, NW ; vide = non précisé", example=""),
    Col("time_step", "int", ("time_step",), minimum=1, help="pas de temps en secondes", example="3600"),
), strict=False, source="Comptage des mobilités")


def build_channels(ctx: Context) -> None:
    duplicates(ctx, ["channel_id"], "même canal")
    ctx.check("SELECT line, 'site_id', r__site_id, "
              "'site de comptage inconnu : importez d''abord le fichier des sites' "
              "FROM _parsed WHERE site_id IS NOT NULL AND site_id NOT IN (SELECT site_id FROM counter_sites)")
    if ctx.issues:
        return
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS SELECT line, channel_id, site_id, "
        "coalesce(regexp_replace(mobility_type, '\\s*,\\s*', ',', 'g'), 'UNDEFINED') AS mobility_type, "
        "direction, time_step::INTEGER AS time_step, $source AS source FROM _parsed", {"source": ctx.source})
    ctx.provided = {"site_id", "mobility_type", "direction", "time_step"}


MEASURES = Format("schema", "schéma comptage des mobilités – mesures", (
    Col("channel_id", "text", ("channel_id",), True, True, help="canal (importé auparavant)",
        example="PMA-CPT-001-velo"),
    Col("start_datetime", "datetime", ("start_datetime",), True, True,
        help="début, ISO 8601 avec décalage", example="2024-06-01T08:00:00+02:00"),
    Col("end_datetime", "datetime", ("end_datetime",),
        help="fin ; vide = début + pas de temps du canal", example="2024-06-01T09:00:00+02:00"),
    Col("count", "count", ("count",), minimum=0, help="passages ; vide = mesure manquante (≠ 0)",
        example="42"),
), strict=False, source="Comptage des mobilités")


def build_measures(ctx: Context) -> None:
    ctx.check("SELECT line, 'channel_id', r__channel_id, "
              "'canal de comptage inconnu : importez d''abord le fichier des canaux' "
              "FROM _parsed WHERE channel_id IS NOT NULL "
              "AND channel_id NOT IN (SELECT channel_id FROM counter_channels)")
    if ctx.has("end_datetime"):
        ctx.check("SELECT line, 'end_datetime', r__end_datetime, $reason "
                  "FROM _parsed WHERE end_datetime <= start_datetime",
                  reason=f"n'est pas postérieure à {ctx.label('start_datetime')}")
    # Stored as Europe/Paris wall-clock time (l__ columns, see _local). One grouping on the
    # local start finds both true duplicates (the same instant twice) and the October hour
    # that repeats in local time.
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _same AS SELECT channel_id, l__start_datetime AS start_datetime "
        "FROM _parsed WHERE channel_id IS NOT NULL AND start_datetime IS NOT NULL "
        "GROUP BY channel_id, l__start_datetime HAVING count(*) > 1")
    repeated = ctx.scalar("SELECT count(*) FROM _same")
    if repeated:
        ctx.check(
            "SELECT line, 'start_datetime', r__start_datetime, "
            "'en double : même canal et même début qu''à la ligne ' || first FROM ("
            "  SELECT line, r__start_datetime, min(line) OVER (PARTITION BY channel_id, start_datetime) AS first "
            "  FROM _parsed p SEMI JOIN _same s "
            "  ON s.channel_id = p.channel_id AND s.start_datetime = p.l__start_datetime) "
            "WHERE line > first ORDER BY line")
    if ctx.issues:
        return
    empty_ends = ctx.scalar("SELECT count(*) FROM _parsed WHERE l__end_datetime IS NULL")
    # A view, not a copy: for a million rows a copy costs as much as reading the file.
    # An empty end is the start plus the channel's time step; the two measures of the
    # repeated October hour become one (their sum).
    end = ("coalesce(p.l__end_datetime, p.l__start_datetime + to_seconds(ch.time_step))" if empty_ends
           else "p.l__end_datetime")
    join = "LEFT JOIN counter_channels ch USING (channel_id)" if empty_ends else ""
    base = (f"SELECT p.line, p.channel_id, p.l__start_datetime AS start_datetime, {end} AS end_datetime, "
            f"p.count::INTEGER AS count FROM _parsed p {join}")
    ctx.conn.execute("CREATE OR REPLACE TEMP TABLE _src AS SELECT $source AS source", {"source": ctx.source})
    if not repeated:
        ctx.conn.execute(f"CREATE OR REPLACE TEMP VIEW _new AS SELECT b.*, s.source FROM ({base}) b, _src s")
    else:
        ctx.conn.execute(
            f"CREATE OR REPLACE TEMP VIEW _new AS WITH b AS ({base}) "
            "SELECT b.*, s.source FROM b ANTI JOIN _same USING (channel_id, start_datetime), _src s "
            "UNION ALL SELECT min(b.line), b.channel_id, b.start_datetime, max(b.end_datetime), "
            "CASE WHEN count(b.count) = count(*) THEN sum(b.count) END::INTEGER, any_value(s.source) "
            "FROM b SEMI JOIN _same USING (channel_id, start_datetime), _src s GROUP BY b.channel_id, b.start_datetime")
        ctx.notes.append(f"{repeated} mesure{'s' if repeated > 1 else ''} de l'heure répétée au passage "
                         "à l'heure d'hiver additionnée" + ("s" if repeated > 1 else "") + " (heure locale)")
    ctx.provided = {"end_datetime", "count"}


# ------------------------------------------------------------------------ registry

_FORMATS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("solar_production", ("sites", "power_kw", "energy_mwh"),
            (SOLAR_TEMPLATE, ENEDIS, ODRE), build_solar, select_solar,
            description="Fichier Enedis « production électrique par filière à la maille commune » "
                        "(national ou régional : seules les communes du Pôle sont gardées), registre "
                        "ODRÉ des installations (agrégé par commune et année de mise en service), "
                        "ou le modèle du projet."),
    Dataset("solar_potential", ("potential_mwh",), (POTENTIAL,), build_potential),
    Dataset("cadastre_usage", ("users",), (CADASTRE,), build_cadastre),
    Dataset("park_sites", ("name", "commune_code", "lat", "lon", "area_ha", "kind", "opened", "description"),
            (PARKS,), build_parks),
    Dataset("indicators", ("label", "theme", "unit", "value", "target", "target_year", "direction", "note"),
            (INDICATORS,), build_indicators),
    Dataset("counter_sites", ("site_name", "commune_code", "lat", "lon", "park_id"), (SITES,), build_sites,
            description="Fichier des sites du schéma national « comptage des mobilités »."),
    Dataset("counter_channels", ("site_id", "mobility_type", "direction", "time_step"), (CHANNELS,), build_channels,
            description="Fichier des canaux du schéma « comptage des mobilités » (sites importés avant)."),
    Dataset("counter_measures", ("end_datetime", "count"), (MEASURES,), build_measures, fast=True,
            description="Fichier des mesures du schéma « comptage des mobilités » (canaux importés avant) ; "
                        "un comptage vide est une mesure manquante, 0 signifie personne."),
    Dataset("events", ("title", "start_date", "end_date", "place", "commune_code", "lat", "lon", "theme",
             "participants", "description"), (EVENTS,), build_events),
    Dataset("investments", ("name", "company", "sector", "commune_code", "lat", "lon", "amount_eur", "jobs", "status",
             "announced_year", "description"), (INVESTMENTS,), build_investments),
)}

# In the registry's order; every importable dataset of the registry has its formats here.
DATASETS: dict[str, Dataset] = {name: _FORMATS[name] for name in registry.IMPORTABLE}
if set(_FORMATS) != set(registry.IMPORTABLE):
    raise RuntimeError("ecotransition/imports/datasets.py and the dataset registry name different datasets")
