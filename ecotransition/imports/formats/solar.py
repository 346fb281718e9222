"""Solar files: Enedis production per commune, the ODRÉ register, the project's templates for
production, rooftop potential and cadastre use.
"""

from __future__ import annotations

import re

from ecotransition.core import clock
from ecotransition.imports.formats.base import (
    _COMMUNE, _SOURCE, Context, _add_key, _provided, _source, duplicates, unknown_communes,
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
    Col("date", "date", ("date", "jour"), True, True, help="jour", example="26/09/2023", since="2000-01-01",
        ahead_days=0),   # days of use already past
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
    Col("year", "year", ("annee", "year"), True, True, help="année", example="2023", ahead_days=0),
    Col("sites", "int", ("sites", "nb_sites"), minimum=0, help="installations en service", example="850"),
    Col("power_kw", "number", ("puissance_kw", "power_kw"), minimum=0, help="puissance installée (kW)",
        example="6200"),
    Col("energy_mwh", "number", ("energie_mwh", "energy_mwh"), minimum=0, help="énergie produite (MWh)",
        example="5800"),
    _SOURCE,
))

ENEDIS = Format("enedis", "Enedis – production électrique par filière à la maille commune", (
    Col("year", "year", ("annee",), True, True, ahead_days=0),
    Col("commune_code", "insee", ("code_commune",), True, True),
    Col("sites", "int", ("nb_sites_photovoltaique_enedis", "nb_sites_photovoltaiques_enedis"), True,
        minimum=0),
    Col("energy_mwh", "number", ("energie_produite_annuelle_photovoltaique_enedis_mwh",
                                 "energie_photovoltaique_annuelle_enedis"), minimum=0),
    Col("voltage", "text", ("domaine_de_tension",)),
), strict=False, source="Enedis, production électrique par filière à la maille commune")

ODRE = Format("odre", "ODRÉ – registre national des installations de production d'électricité", (
    Col("commune_code", "insee", ("codeinseecommune",), True),
    # Installations in service: from 1900 (old hydro plants share the register) to the app's day.
    Col("commissioned", "date", ("datemiseenservice",), True, since="1900-01-01", ahead_days=0),
    Col("power_kw", "number", ("puismaxinstallee",), True, minimum=0),
    Col("installations", "int", ("nbinstallations",), minimum=0),
    Col("filiere", "text", ("filiere",)),
    Col("filiere_code", "text", ("codefiliere",)),
    Col("name", "text", ("nominstallation",)),
), strict=False, source="ODRÉ, registre national des installations de production d'électricité")


def _in_territory(ctx: Context, one: str, many: str) -> None:
    """Keep the rows of the Pôle's communes. Only valid codes of other communes are "hors
    territoire"; a code that is not one (« 62498.5 ») stays, to be refused naming its cell;
    rows without any code are set aside and counted. A file with no commune of the Pôle is
    refused as such: it never reads as "already in the database"."""
    before = ctx.staged.rows
    blank = ctx.scalar("SELECT count(*) FROM _parsed WHERE n__commune_code")
    ctx.conn.execute("DELETE FROM _parsed WHERE n__commune_code "
                     "OR (commune_code IS NOT NULL AND commune_code NOT IN (SELECT code FROM communes))")
    after = ctx.scalar("SELECT count(*) FROM _parsed")
    gone = before - after - blank
    if gone:
        ctx.notes.append(f"{gone} {one if gone == 1 else many} hors des communes du Pôle métropolitain")
    if blank:
        ctx.notes.append(f"{blank} ligne{'s' if blank > 1 else ''} sans code commune ignorée{'s' if blank > 1 else ''}")
    if before and not after:
        ctx.issues.append(Issue(0, None, None, None,
                                ("la seule ligne du fichier ne concerne pas une commune du Pôle " if before == 1 else
                                 f"aucune des {before} lignes du fichier ne concerne une commune du Pôle ")
                                + 
                                "métropolitain de l'Artois (colonne "
                                f"« {ctx.label('commune_code')} ») : rien à charger"))
    ctx.staged.rows = after


def _snapshot_year(ctx: Context) -> tuple[int, str]:
    """The register's snapshot year: as given at import, else the latest year in the file's name
    (« registre_2025-06-30.csv », « registre_2009_2023.csv »: 2023), else the latest commissioning
    date of the file."""
    given = ctx.options.get("snapshot_year")
    if given:
        return int(given), "indiqué à l'import"
    # « odre_registre_2009_2023.csv »: a span of years; the register was extracted in its last (t14h).
    years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", ctx.file_name or "")
    if years:
        return max(int(y) for y in years), "lu dans le nom du fichier"
    latest = ctx.scalar("SELECT max(year(commissioned)) FROM _parsed")
    if latest is None:   # only undated aggregated rows
        return clock.today().year, "année en cours"
    return int(latest), "dernière mise en service du fichier"


def select_solar(ctx: Context) -> None:
    if ctx.fmt.key == "enedis":
        _in_territory(ctx, "ligne ignorée", "lignes ignorées")
    elif ctx.fmt.key == "odre":
        # The register mixes every filière: without its column, a row cannot be told solar or not.
        # Such a file is refused like one without a required column, never read as "nothing solar"
        # (which came out as « Fichier déjà importé », t14i finding 5).
        if not (ctx.has("filiere") or ctx.has("filiere_code")):
            ctx.issues.append(Issue(0, 1, None, None, "colonne manquante : codefiliere ou filiere (la filière "
                                    "de chaque installation, « SOLAI » ou « Solaire » pour les lignes à charger)"))
            return
        before = ctx.staged.rows
        ctx.conn.execute(
            "DELETE FROM _parsed WHERE NOT coalesce(upper(trim(filiere_code)) = 'SOLAI' "
            "OR (filiere_code IS NULL AND lower(strip_accents(filiere)) LIKE 'solaire%'), false)")
        ctx.staged.rows = ctx.scalar("SELECT count(*) FROM _parsed")
        if before - ctx.staged.rows:
            gone = before - ctx.staged.rows
            ctx.notes.append(f"{gone} ligne{'s' if gone > 1 else ''} d'autres filières ignorée{'s' if gone > 1 else ''}")
        if before and not ctx.staged.rows:
            # As a file with no commune of the Pôle: said exactly, never « déjà importé ».
            ctx.issues.append(Issue(0, None, None, None, (
                "la seule ligne du fichier n'est pas de la filière solaire " if before == 1 else
                f"aucune des {before} lignes du fichier n'est de la filière solaire ")
                + f"(colonne « {ctx.label('filiere_code') if ctx.has('filiere_code') else ctx.label('filiere')} » : "
                "« SOLAI » ou « Solaire » attendu) : rien à charger"))
            return
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
        # One line per commune, year and voltage range: the same one twice is a duplicate, not
        # a part to add to the others, however its blanks are written (« BT < 36 kVA » is « BT<36kVA »).
        _add_key(ctx, "coalesce(replace(_nk(voltage), ' ', ''), '')")
        duplicates(ctx, ["commune_code", "year", "nk"], "même commune, même année et même domaine de tension",
                   "commune_code")
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
        # The same register row twice (name, commune, date, power, count) is a duplicate.
        _add_key(ctx, "concat_ws('|', _nk(coalesce(name, '')), commissioned, power_kw, "
                      "coalesce(installations, 1))")
        duplicates(ctx, ["commune_code", "nk"], "même installation du registre", "commune_code")
        if ctx.issues:
            return
        # A row aggregating many small installations (« Agrégation des installations de moins de
        # 36 kW », nbinstallations > 1) carries one old date, or none, for a stock that only the
        # register's snapshot describes: it counts from the snapshot year, never in the years
        # before, and needs no commissioning date. Other rows without one are set aside.
        aggregated = ("(coalesce(installations, 1) > 1 "
                      "OR lower(strip_accents(coalesce(name, ''))) LIKE 'agregation%')")
        # Its count is the stock: left empty, it cannot be guessed (it counted as 1 site, t14i finding 6).
        ctx.check(f"SELECT line, 'installations', {'r__installations' if ctx.has('installations') else 'NULL'}, "
                  "$reason FROM _parsed WHERE installations IS NULL AND lower(strip_accents(coalesce(name, ''))) "
                  "LIKE 'agregation%'",
                  reason="vide sur une ligne d'agrégation d'installations : leur nombre ne peut pas être deviné")
        if ctx.issues:
            return
        undated = ctx.scalar(f"SELECT count(*) FROM _parsed WHERE commissioned IS NULL AND NOT {aggregated}")
        if undated:
            ctx.notes.append(f"{undated} ligne{'s' if undated > 1 else ''} d'installations solaires sans date "
                             f"de mise en service ignorée{'s' if undated > 1 else ''}")
        snapshot, origin = _snapshot_year(ctx)
        latest = ctx.scalar("SELECT max(year(commissioned)) FROM _parsed")
        if snapshot > clock.today().year:
            ctx.issues.append(Issue(0, None, None, None, f"millésime du registre {snapshot} ({origin}) : postérieur "
                                    f"à l'année en cours ({clock.today().year}) ; indiquez l'année de l'extraction"))
        elif latest is not None and snapshot < latest:
            ctx.issues.append(Issue(0, None, None, None, f"millésime du registre {snapshot} ({origin}) : antérieur à "
                                    f"la dernière mise en service du fichier ({latest}) ; indiquez l'année de "
                                    "l'extraction"))
        if ctx.issues:
            return
        n_agg = ctx.scalar(f"SELECT count(*) FROM _parsed WHERE {aggregated}")
        if n_agg:
            ctx.notes.append(f"{n_agg} ligne{'s' if n_agg > 1 else ''} agrégeant plusieurs installations "
                             f"comptée{'s' if n_agg > 1 else ''} à partir de {snapshot}, millésime du registre "
                             f"({origin}), et non à la date de mise en service indiquée")
        # The register lists the installations in service: per commune, the park in service
        # at the end of each year is the sum of everything commissioned up to that year.
        ctx.conn.execute(
            "CREATE OR REPLACE TEMP TABLE _new AS "
            "WITH y AS (SELECT commune_code, "
            f"           CASE WHEN {aggregated} THEN greatest($snapshot, coalesce(year(commissioned), $snapshot)) "
            "                ELSE year(commissioned) END AS year, min(line) AS line, "
            "           sum(coalesce(installations, 1)) AS sites, sum(power_kw) AS power_kw "
            f"           FROM _parsed WHERE commissioned IS NOT NULL OR {aggregated} GROUP BY ALL), "
            "last AS (SELECT max(year) AS y1 FROM y), "
            "first AS (SELECT commune_code, min(year) AS y0 FROM y GROUP BY 1), "
            "grid AS (SELECT first.commune_code, unnest(range(first.y0, last.y1 + 1)) AS year FROM first, last) "
            "SELECT coalesce(y.line, 0) AS line, grid.commune_code, grid.year::INTEGER AS year, "
            "  (sum(coalesce(y.sites, 0)) OVER w)::INTEGER AS sites, sum(coalesce(y.power_kw, 0)) OVER w AS power_kw, "
            "  $source AS source "
            "FROM grid LEFT JOIN y USING (commune_code, year) "
            "WINDOW w AS (PARTITION BY grid.commune_code ORDER BY grid.year)",
            {"source": ctx.source, "snapshot": snapshot})
        ctx.provided = {"sites", "power_kw"}
