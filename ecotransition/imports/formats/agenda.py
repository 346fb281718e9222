"""Staff spreadsheets: events, investment projects, Chaîne des parcs sites and key indicators (the
project's templates).
"""

from __future__ import annotations

from ecotransition.imports.formats.base import (
    _COMMUNE, _DESCRIPTION, _POINT_JOIN, _SOURCE, Context, _add_key, _keep_stored_position, _lat, _locate, _lon,
    _point_select, _provided, outside_communes,
    _slug, _source, coordinate_pairs, duplicates, unknown_communes,
)
from ecotransition.core import fmt
from ecotransition.imports.validate import Col, Format

# -------------------------------------------------------------------------- events

# The most participants one event may declare: the largest the report cites is 150 000 visitors
# (a trade fair); a billion, a typing error, was accepted and made « Participants recensés
# 1 075 573 276 » in a territory of 650 000 people. README « Valeurs plausibles ».
PARTICIPANTS_MAX = 1_000_000

EVENTS = Format("modele", "modèle Événements", (
    Col("title", "text", ("titre", "title"), True, True, help="intitulé de l'événement",
        example="Balade découverte de la Chaîne des parcs (exemple)"),
    # Events are announced ahead: from 2000 to the app's day + 5 years (README « Dates plausibles »).
    Col("start_date", "date", ("date_debut", "start_date"), True, True,
        help="JJ/MM/AAAA ou AAAA-MM-JJ", example="14/09/2025", since="2000-01-01", ahead_days=5 * 365),
    Col("end_date", "date", ("date_fin", "end_date"), True, help="vide = même jour", example="14/09/2025",
        since="2000-01-01", ahead_days=5 * 365),
    Col("place", "text", ("lieu", "place"), True, help="lieu", example="Parc départemental d'Olhain"),
    Col("commune_code", "insee", _COMMUNE, True,
        help="code INSEE ; vide = hors du territoire", example="62540"),
    Col("theme", "text", ("theme",), True, help="thème", example="Chaîne des parcs"),
    Col("participants", "int", ("participants",), True, minimum=0, maximum=PARTICIPANTS_MAX,
        help=f"nombre de participants (au plus {fmt.number(PARTICIPANTS_MAX)}) ; vide = inconnu", example="120"),
    _lat(), _lon(),
    Col("id", "text", ("id", "identifiant"), help="identifiant ; vide = calculé (titre + date)"),
    _DESCRIPTION, _SOURCE,
))


def build_events(ctx: Context) -> None:
    outside_communes(ctx, ("événement", "événements"))
    coordinate_pairs(ctx)
    ctx.check("SELECT line, 'end_date', r__end_date, $reason FROM _parsed WHERE end_date < start_date",
              reason=f"est antérieure à {ctx.label('start_date')}")
    _add_key(ctx, "_nk(title)")
    duplicates(ctx, ["nk", "start_date"], "même titre et même date de début", "title")
    duplicates(ctx, ["id"], "même identifiant")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH known AS (SELECT _nk(title) AS nk, start_date, min(id) AS id "
        "               FROM events GROUP BY ALL) "
        f"SELECT p.line, coalesce(p.id, k.id, 'evt-' || strftime(p.start_date, '%Y-%m-%d') || '-' "
        f"       || left({_slug('p.title')}, 40) || '-' || left(md5(p.nk), 6)) AS id, "
        "       p.title, p.start_date, coalesce(p.end_date, p.start_date) AS end_date, p.place, "
        f"      {_point_select()}, p.theme, p.participants::INTEGER AS participants, "
        f"      p.description, {_source(ctx)}, "
        "       (p.lat IS NULL AND p.lon IS NULL AND c.lat IS NOT NULL) AS position_derived "
        f"FROM _parsed p LEFT JOIN known k ON k.nk = p.nk AND k.start_date = p.start_date {_POINT_JOIN}",
        {"source": ctx.source})
    _keep_stored_position(ctx, "events", derived=True)
    _provided(ctx, ("title", "start_date", "end_date", "place", "theme", "participants", "description"),
              ("commune_code", "lat", "lon", "position_derived"))


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
        example="2025", ahead_days=0),
    _lat(), _lon(),
    Col("id", "text", ("id", "identifiant"), help="identifiant ; vide = calculé (nom + entreprise)"),
    _DESCRIPTION, _SOURCE,
))


def build_investments(ctx: Context) -> None:
    unknown_communes(ctx)
    coordinate_pairs(ctx)
    _add_key(ctx, "_nk(name) || '|' || coalesce(_nk(company), '')")
    duplicates(ctx, ["nk"], "même nom et même entreprise", "name")
    duplicates(ctx, ["id"], "même identifiant")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH known AS (SELECT _nk(name) || '|' || coalesce(_nk(company), '') AS nk, min(id) AS id "
        "               FROM investments GROUP BY ALL) "
        f"SELECT p.line, coalesce(p.id, k.id, 'inv-' || left({_slug('p.name')}, 40) || '-' "
        "       || left(md5(p.nk), 6)) AS id, "
        f"      p.name, p.company, p.sector, {_point_select()}, p.amount_eur, "
        "       p.jobs::INTEGER AS jobs, p.status, p.announced_year::INTEGER AS announced_year, "
        f"      p.description, {_source(ctx)}, "
        "       (p.lat IS NULL AND p.lon IS NULL AND c.lat IS NOT NULL) AS position_derived "
        f"FROM _parsed p LEFT JOIN known k ON k.nk = p.nk {_POINT_JOIN}",
        {"source": ctx.source})
    _keep_stored_position(ctx, "investments")
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
    # Parks of the mining basin opened from the 19th century; one may be announced a few years ahead.
    Col("opened", "date", ("ouverture", "opened"), help="date d'ouverture si récente", example="",
        since="1850-01-01", ahead_days=10 * 365),
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
    _keep_stored_position(ctx, "park_sites")
    _provided(ctx, ("name", "area_ha", "kind", "opened", "description"), ("commune_code", "lat", "lon"))


# ---------------------------------------------------------------------- indicators

INDICATORS = Format("modele", "modèle Indicateurs", (
    Col("id", "text", ("id", "identifiant"), True, True, help="identifiant de l'indicateur (minuscules, _)",
        example="exemple_indicateur"),
    Col("year", "year", ("annee", "year"), True, True, help="année", example="2024", ahead_days=0),
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
    Col("zone", "text", ("zone", "echelon", "territoire"),
        help="PMA (défaut), une agglomération (CABBALR, CALL, CAHC) ou le code INSEE d'une commune", example="PMA"),
    Col("reference", "number", ("reference", "valeur_reference"),
        help="valeur de départ de la trajectoire vers l'objectif", example=""),
    Col("reference_year", "year", ("annee_reference", "reference_year"), help="année de la référence", example=""),
    _SOURCE,
))

# The zone as stored: 'PMA', an agglomeration's short name (any case) or an INSEE code.
_ZONE = ("CASE WHEN p.zone IS NULL OR upper(trim(p.zone)) IN ('PMA', 'PÔLE', 'POLE') THEN 'PMA' "
         "WHEN upper(trim(p.zone)) IN (SELECT short_name FROM epci) THEN upper(trim(p.zone)) ELSE trim(p.zone) END")


def build_indicators(ctx: Context) -> None:
    ctx.check("SELECT line, 'id', r__id, "
              "'identifiant invalide (lettres minuscules, chiffres et _ uniquement)' "
              "FROM _parsed WHERE id IS NOT NULL AND NOT regexp_full_match(id, '[a-z0-9_]+')")
    ctx.check("SELECT line, 'zone', r__zone, $reason FROM _parsed p WHERE p.zone IS NOT NULL "
              f"AND {_ZONE} NOT IN (SELECT 'PMA' UNION ALL SELECT short_name FROM epci UNION ALL SELECT code FROM communes)",
              reason="zone inconnue : attendu PMA, une agglomération (CABBALR, CALL, CAHC) ou le code INSEE "
                     "d'une commune du Pôle")
    ctx.check("SELECT line, CASE WHEN reference IS NULL THEN 'reference' ELSE 'reference_year' END, "
              "CASE WHEN reference IS NULL THEN r__reference ELSE r__reference_year END, $reason FROM _parsed "
              "WHERE (reference IS NULL) <> (reference_year IS NULL)",
              reason="référence incomplète : la valeur et l'année de référence vont ensemble")
    ctx.check("SELECT line, 'reference_year', r__reference_year, $reason FROM _parsed "
              "WHERE reference_year IS NOT NULL AND target_year IS NOT NULL AND reference_year >= target_year",
              reason="l'année de référence doit précéder l'année de l'objectif")
    ctx.check("SELECT line, 'target_year', r__target_year, $reason FROM _parsed "
              "WHERE reference IS NOT NULL AND (target IS NULL OR target_year IS NULL)",
              reason="une référence sans objectif ni année d'objectif ne trace aucune trajectoire")
    duplicates(ctx, ["id", _ZONE.replace("p.zone", "zone"), "year"], "même identifiant, même zone et même année")
    if ctx.issues:
        return
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.id, p.year::INTEGER AS year, p.label, "
        "p.theme, p.unit, p.value, p.target, p.target_year::INTEGER AS target_year, p.direction, p.note, "
        f"{_ZONE} AS zone, p.reference, p.reference_year::INTEGER AS reference_year, "
        f"{_source(ctx)} FROM _parsed p", {"source": ctx.source})
    _provided(ctx, ("label", "theme", "unit", "value", "target", "target_year", "direction", "note",
                    "reference", "reference_year"))
