"""Solar files: Enedis production per commune, the ODRÉ register, the project's templates for
production, rooftop potential and cadastre use.
"""

from __future__ import annotations

from ecotransition.imports.formats.base import (
    _COMMUNE, _SOURCE, Context, _provided, _source, duplicates, unknown_communes,
)
from ecotransition.imports.validate import Col, Format, Issue

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
