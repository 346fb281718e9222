"""Counters in the national « schéma comptage des mobilités » (sites, channels, measures), as Eco-
Compteur exports them.
"""

from __future__ import annotations

from ecotransition.core import fmt
from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.data import sql
from ecotransition.imports.formats.base import (
    DIRECTIONS, MOBILITY, PARK_RADIUS_M, Context, _locate, duplicates,
)
from ecotransition.imports.validate import COLLECTED, Col, Format, Issue, _drop_parsed, record_lines

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
    # A site with the valid code of another commune is outside the territory, like one without a
    # code whose coordinates lie outside: counted in the note below, never a refusal (t14h finding 15).
    duplicates(ctx, ["site_id"], "même site")
    if ctx.issues:
        return
    _locate(ctx)
    ctx.conn.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        "WITH s AS (SELECT p.line, p.site_id, p.site_name, CASE WHEN p.commune_code IS NULL THEN loc.code "
        "           WHEN p.commune_code IN (SELECT code FROM communes) THEN p.commune_code END AS commune_code, "
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
    # Required for a new channel only (build_channels): a file of channel_id and ended_at ends
    # channels already stored, the demonstration's included (a tester's t12i item).
    Col("site_id", "text", ("site_id",), help="site (importé auparavant) ; vide = celui déjà enregistré pour "
        "un canal connu", example="PMA-CPT-001"),
    Col("mobility_type", "pattern", ("mobility_type",), pattern=rf"({MOBILITY})(\s*,\s*({MOBILITY}))*",
        help="BIKE, PEDESTRIAN… ; vide = celui déjà enregistré, sinon UNDEFINED", example="BIKE"),
    Col("direction", "choice", ("direction",), choices=tuple((d.lower(), d) for d in DIRECTIONS),
        help="N, NE, E, SE, S, SW, W, NW ; vide = celle déjà enregistrée, sinon non précisé", example=""),
    Col("time_step", "int", ("time_step",), minimum=1, help="pas de temps en secondes ; vide = celui déjà enregistré", example="3600"),
    # The schema's ended_at (« fin de l'usage d'un compteur ») read as its date: the last day the
    # channel counts. After it no day is missing (queries/counter_calendar.sql, t12i finding 1).
    Col("end_date", "date", ("ended_at", "end_date", "date_fin"),
        help="fin de comptage d'un compteur retiré ou remplacé : une date (son dernier jour compté) ou une "
             "date-heure (à minuit, le jour d'avant est le dernier) ; ce jour-là, les heures après sa dernière mesure ne "
             "manquent pas ; après, aucun jour n'est une lacune ; "
             "vide = en service", example="", since="2000-01-01",
        ahead_days=366),
), strict=False, source="Comptage des mobilités")


def _after_end_notes(late: list[tuple]) -> list[str]:
    """The notes of days measured after their channel's declared end: (channel, end, days) rows, the
    first three named. Such days stay counted (queries/counter_calendar.sql); said by the channels
    import and the measures import alike, as a wrong end (a typo in the year) would go unseen."""
    notes = [f"canal « {c} » : {fmt.number(n)} jour{'s' if n > 1 else ''} mesuré{'s' if n > 1 else ''} "
             f"après sa fin déclarée ({end:%d/%m/%Y}), compté{'s' if n > 1 else ''} quand même"
             for c, end, n in late[:3]]
    if len(late) > 3:
        notes.append(f"{len(late) - 3} autre{'s' if len(late) > 4 else ''} canal"
                     f"{'aux' if len(late) > 4 else ''} mesuré{'s' if len(late) > 4 else ''} après "
                     "sa fin déclarée")
    return notes


def build_channels(ctx: Context) -> None:
    duplicates(ctx, ["channel_id"], "même canal")
    ctx.check("SELECT line, 'site_id', r__site_id, "
              "'site de comptage inconnu : importez d''abord le fichier des sites' "
              "FROM _parsed WHERE site_id IS NOT NULL AND site_id NOT IN (SELECT site_id FROM counter_sites)")
    site = "p.site_id" if ctx.has("site_id") else "NULL"
    ctx.check(f"SELECT p.line, 'site_id', NULL, 'site obligatoire pour un nouveau canal (inconnu de la base)' "
              f"FROM _parsed p WHERE {site} IS NULL "
              "AND p.channel_id NOT IN (SELECT channel_id FROM counter_channels)")
    if ctx.issues:
        return
    # The step is the one the channel's stored measures have, whatever the file declares (README
    # « Pas de temps des canaux »); a channel without measures keeps the declared one, or the
    # stored one when the file has no time_step column.
    declared = "coalesce(p.time_step::INTEGER, ch.time_step)" if ctx.has("time_step") else "ch.time_step"
    own = " AND ".join([f"p.{c} IS NULL" for c in ("site_id", "mobility_type", "direction", "time_step") if ctx.has(c)]
                       or ["TRUE"])
    ctx.conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _new AS SELECT p.line, p.channel_id, coalesce({site}, ch.site_id) AS site_id, "
        "coalesce(regexp_replace(p.mobility_type, '\\s*,\\s*', ',', 'g'), ch.mobility_type, 'UNDEFINED') AS mobility_type, "
        f"coalesce(p.direction, ch.direction) AS direction, coalesce(ms.step, {declared}) AS time_step, {declared} AS declared_step, "
        # ended_at is an instant: counting that ends at midnight in Paris last counted the day before.
        "CASE WHEN regexp_matches(coalesce(p.r__end_date, ''), '\\d[ T]\\S*\\d') "
        "AND timezone('Europe/Paris', _tstz(p.r__end_date))::TIME = TIME '00:00' THEN p.end_date - 1 "
        "ELSE p.end_date END AS end_date, "
        # A demonstration channel the file only ends (no site, type, direction or step of its
        # own) stays a demonstration channel: ending it does not make its generated values real.
        f"CASE WHEN ch.source = $demo AND {own} THEN $demo ELSE $source END AS source "
        "FROM _parsed p LEFT JOIN counter_channels ch USING (channel_id) "
        f"LEFT JOIN ({sql.load('counter_steps').sql}) ms USING (channel_id)",
        # The file's channels only: the steps of the others are not read (a second at 9 M measures).
        {"source": ctx.source, "demo": DEMO_SOURCE,
         "channels": ctx.scalar("SELECT list(DISTINCT channel_id) FROM _parsed") or []})
    differs = ctx.conn.execute("SELECT channel_id, declared_step, time_step FROM _new WHERE declared_step IS "
                               "DISTINCT FROM time_step AND time_step IS NOT NULL ORDER BY line").fetchall()
    # Without the column, the stored step stands for the declared one: said when it changes.
    ctx.notes.extend(step_notes(differs))
    ctx.conn.execute("ALTER TABLE _new DROP COLUMN declared_step")
    if ctx.has("end_date"):
        # One note for the ends given with a time (not the generic « seule la date est gardée », which
        # contradicted it for midnight, t12j finding 9).
        ctx.own_time_notes.add("end_date")
        timed, midnight = ctx.conn.execute(
            "SELECT count(*) FILTER (regexp_matches(coalesce(p.r__end_date, ''), '\\d[ T]\\S*\\d')), "
            "count(*) FILTER (n.end_date < p.end_date) FROM _new n JOIN _parsed p USING (line)").fetchall()[0]
        if timed:
            ctx.notes.append(f"{timed} fin{'s' if timed > 1 else ''} de comptage avec une heure : le jour à Paris "
                             "est gardé" + (f", la veille pour {midnight} à minuit (dernier jour compté)" if midnight
                                            else ""))
    # Days measured after a declared end stay counted (queries/counter_calendar.sql): said, as a
    # wrong end (a typo in the year) would otherwise go unseen.
    if ctx.has("end_date"):
        late = ctx.conn.execute(
            "SELECT n.channel_id, n.end_date, count(*) FROM _new n JOIN counter_daily d "
            "ON d.channel_id = n.channel_id AND d.day > n.end_date GROUP BY ALL ORDER BY min(n.line)").fetchall()
        ctx.notes.extend(_after_end_notes(late))
    # A column the file lacks, or a cell left empty, keeps the stored value (new channels get the
    # defaults), a demonstration channel's too: a file of channel_id and ended_at only ends channels.
    # An empty ended_at says the channel counts again (« vide = en service »).
    ctx.provided = {"site_id", "time_step", "mobility_type", "direction"} | ({"end_date"} if ctx.has("end_date") else set())


def step_notes(restepped: list[tuple]) -> list[str]:
    """French notes on channels whose time step was taken from their measures instead of the
    declared one (rows: channel, declared seconds or None, measured seconds), three named, the
    others counted."""
    def said(declared):
        return f"{fmt.number(declared)} s déclarées" if declared is not None else "aucun pas déclaré"
    notes = [f"pas de temps du canal « {c} » : {fmt.number(step)} s d'après ses mesures ({said(declared)})"
             for c, declared, step in restepped[:3]]
    if len(restepped) > 3:
        more = len(restepped) - 3
        notes.append(f"pas de temps de {more} autre{'s' if more > 1 else ''} canal"
                     f"{'aux' if more > 1 else ''} pris de {'leurs' if more > 1 else 'ses'} mesures")
    return notes


MEASURES = Format("schema", "schéma comptage des mobilités – mesures", (
    Col("channel_id", "text", ("channel_id",), True, True, help="canal (importé auparavant)",
        example="PMA-CPT-001-velo"),
    # Measures are past hours: from 2000 to the app's day + 2 days (a daily measure of today ends
    # tomorrow at midnight; clocks of counters drift) — README « Dates plausibles ».
    Col("start_datetime", "datetime", ("start_datetime",), True, True,
        help="début, ISO 8601 avec décalage", example="2024-06-01T08:00:00+02:00", since="2000-01-01",
        ahead_days=2),
    Col("end_datetime", "datetime", ("end_datetime",),
        help="fin ; vide = début + durée des autres mesures du canal (sinon son pas de temps)", example="2024-06-01T09:00:00+02:00",
        since="2000-01-01", ahead_days=2),
    # Required as a column (a file without it says nothing about passages); an empty cell is a
    # missing measure.
    Col("count", "count", ("count",), True, minimum=0, help="passages ; vide = mesure manquante (≠ 0)",
        example="42"),
), strict=False, source="Comptage des mobilités")


# Bits a duplicate check may use (32 MiB): ten years of hourly measures of 3 000 channels.
DISTINCT_BITS = 2**28


def _may_repeat_instants(ctx: Context) -> bool:
    """Whether two measures of the file may share channel and instant; False is exact.

    A GROUP BY on (channel, instant) holds every key of the file in a hash table: 0.2 s of CPU
    and about 30 bytes per measure, so memory grows with the file (a third of a gigabyte at
    10 M). Measures sit on a grid (hours, quarters, minutes): numbered as (channel, step since the
    file's first instant), the number of distinct keys is the number of bits set in a bitstring
    of channels × steps, which is bounded (DISTINCT_BITS) and costs a third of the time. A file
    off any grid, or spanning too many steps, is counted with the GROUP BY."""
    present = "channel_id IS NOT NULL AND start_datetime IS NOT NULL"
    steps = (3_600_000_000, 900_000_000, 300_000_000, 60_000_000, 1_000_000)
    # On a grid of step g when every instant has the same remainder modulo g (the first one's):
    # one aggregate, where comparing with the first instant took a second pass over the rows.
    aligned = ", ".join(f"min(((e % {g}) + {g}) % {g}) = max(((e % {g}) + {g}) % {g})" for g in steps)
    first, last, n, channels, *grid = ctx.conn.execute(
        f"SELECT min(e), max(e), count(*), count(DISTINCT channel_id), {aligned} "
        f"FROM (SELECT epoch_us(start_datetime) AS e, channel_id FROM _parsed WHERE {present})").fetchall()[0]
    if not n:
        return False
    step = next((g for g, ok in zip(steps, grid) if ok), None)
    bits = channels * ((last - first) // step + 1) if step else None
    if bits is None or bits > DISTINCT_BITS:
        return bool(ctx.scalar(f"SELECT count(*) FROM (SELECT 1 FROM _parsed WHERE {present} "
                               "GROUP BY channel_id, start_datetime HAVING count(*) > 1)"))
    span = (last - first) // step + 1
    distinct = ctx.scalar(
        "SELECT bit_count(bitstring_agg(c.k * $span + (epoch_us(p.start_datetime) - $first) // $step, 0, $top)) "
        "FROM _parsed p JOIN (SELECT channel_id, (row_number() OVER () - 1)::BIGINT AS k "
        f"FROM (SELECT DISTINCT channel_id FROM _parsed WHERE {present})) c USING (channel_id) "
        f"WHERE p.{present.replace(' AND ', ' AND p.')}", span=span, first=first, step=step, top=bits - 1)
    return distinct != n


OVERLAP = "chevauche la mesure"


def _lengths(ctx: Context) -> None:
    """`_step(channel_id, us)`: the length given to a measure of the file without an end, in
    microseconds. The channel's declared time step is not reliable alone (real exports declare
    86400 for hourly measures), so the file says first: the most common length of the channel's
    measures in the file that have an end; without any, the declared step when the channel's starts
    all lie on a grid of that step, else the shortest gap between two of its starts if shorter.
    Only for files with empty ends; the gaps are sorted only for channels off their step's grid."""
    conn = ctx.conn
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _step AS SELECT c.channel_id, coalesce(f.us, "
        "CASE WHEN c.lo = c.hi THEN 1000000::BIGINT * ch.time_step END) AS us, "
        "coalesce(1000000::BIGINT * ch.time_step, 1) AS declared FROM ("
        "  SELECT p.channel_id, min(((epoch_us(p.start_datetime) % g.us) + g.us) % g.us) AS lo, "
        "  max(((epoch_us(p.start_datetime) % g.us) + g.us) % g.us) AS hi FROM _parsed p "
        "  JOIN (SELECT channel_id, 1000000::BIGINT * time_step AS us FROM counter_channels) g USING (channel_id) "
        "  WHERE p.start_datetime IS NOT NULL GROUP BY p.channel_id) c "
        "LEFT JOIN (SELECT channel_id, mode(epoch_us(end_datetime) - epoch_us(start_datetime)) AS us "
        "  FROM _parsed WHERE end_datetime > start_datetime GROUP BY channel_id) f USING (channel_id) "
        "LEFT JOIN counter_channels ch USING (channel_id)")
    if ctx.scalar("SELECT count(*) FROM _step WHERE us IS NULL"):
        conn.execute(
            "UPDATE _step SET us = least(_step.declared, coalesce(g.gap, _step.declared)) FROM ("
            "  SELECT channel_id, min(s - before) AS gap FROM (SELECT channel_id, epoch_us(start_datetime) AS s, "
            "  lag(epoch_us(start_datetime)) OVER (PARTITION BY channel_id ORDER BY start_datetime) AS before "
            "  FROM _parsed WHERE start_datetime IS NOT NULL "
            "  AND channel_id IN (SELECT channel_id FROM _step WHERE us IS NULL)) WHERE s > before "
            "  GROUP BY channel_id) g WHERE g.channel_id = _step.channel_id AND _step.us IS NULL")
        conn.execute("UPDATE _step SET us = declared WHERE us IS NULL")


def _interval_sql(ctx: Context, empty_ends: bool) -> str:
    """The file's measures as (line, channel_id, s, e, raw start): instants in microseconds since
    1970 UTC, an empty end as it is stored (_lengths)."""
    if empty_ends:
        end = "coalesce(epoch_us(p.end_datetime), epoch_us(p.start_datetime) + st.us)"
        join = "LEFT JOIN _step st USING (channel_id)"
    else:
        end, join = "epoch_us(p.end_datetime)", ""
    return (f"SELECT p.line, p.channel_id, epoch_us(p.start_datetime) AS s, {end} AS e, "
            f"p.r__start_datetime AS raw FROM _parsed p {join} "
            "WHERE p.channel_id IS NOT NULL AND p.start_datetime IS NOT NULL")


def _overlaps(ctx: Context, empty_ends: bool) -> None:
    """No two measure intervals of one channel overlap (README « Mesures qui se chevauchent »):
    inside the file, and against the stored measures that the file does not replace (a measure
    with the same channel and start instant as a stored one is its correction). Lengths may
    differ (a 90-minute measure after an outage) as long as nothing overlaps.

    Cheap in the usual case: a channel whose measures all have one length L and starts on one
    grid of L (one aggregate over the file) cannot overlap itself, its starts being distinct
    (checked before); only the other channels are sorted (a window over their rows). Stored
    measures are looked at only in the file's channels and time span."""
    rows = _interval_sql(ctx, empty_ends)
    # Channels whose measures are not all of one length on one grid of that length.
    # One pass also gives the file's span per channel (for the stored measures, below).
    per_channel = ctx.conn.execute(
        f"SELECT channel_id, min(s), max(e), min(e - s) <> max(e - s) OR min(e - s) <= 0 "
        "OR min(((s % (e - s)) + (e - s)) % (e - s)) <> max(((s % (e - s)) + (e - s)) % (e - s)) "
        f"FROM ({rows}) GROUP BY channel_id").fetchall()
    if not per_channel:
        return
    irregular = [c for c, _, _, odd in per_channel if odd]
    if irregular:
        # The interval ending last among the measures started before (not only the previous one:
        # a long measure may cover several later ones).
        found = ctx.scalar(
            f"SELECT count(*) FROM (SELECT s, max(e) OVER w AS before FROM ({rows}) "
            "WHERE list_contains($irregular, channel_id) "
            "WINDOW w AS (PARTITION BY channel_id ORDER BY s, line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) "
            "WHERE before > s", irregular=irregular)
        if found and not ctx.lines_unknown("deux mesures d'un même canal se chevauchent"):
            ctx.check(
                "SELECT line, 'start_datetime', raw, $reason || other || ' (' || _span(os, oe) || ')' FROM ("
                f"  SELECT line, s, raw, max(e) OVER w AS before, arg_max(line, e) OVER w AS other, "
                "   arg_max(s, e) OVER w AS os, max(e) OVER w AS oe "
                f"  FROM ({rows}) WHERE list_contains($irregular, channel_id) "
                "  WINDOW w AS (PARTITION BY channel_id ORDER BY s, line "
                "               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) "
                "WHERE before > s ORDER BY line",
                irregular=irregular, reason=f"{OVERLAP} de la ligne ")
        if ctx.issues:
            return
    # Stored measures of the file's channels that may meet its span: those starting from a week
    # before its first start (zone maps skip the rest of the table), and, per channel, the last one
    # starting before that (a month's total, a two-week outage): stored measures never overlap one
    # another, so no earlier one can reach the file.
    channels = [c for c, *_ in per_channel]
    first, last = min(r[1] for r in per_channel), max(r[2] for r in per_channel)
    instant = ("SELECT m.channel_id, epoch_us(m.start_datetime) - 60000000::BIGINT * m.utc_offset AS s, "
               "coalesce(epoch_us(m.end_datetime) - 60000000::BIGINT * coalesce(m.end_utc_offset, m.utc_offset), "
               "         epoch_us(m.start_datetime) - 60000000::BIGINT * m.utc_offset + 1000000::BIGINT * ch.time_step, "
               "         epoch_us(m.start_datetime) - 60000000::BIGINT * m.utc_offset + 1) AS e "
               "FROM counter_measures m LEFT JOIN counter_channels ch USING (channel_id) ")
    since = "make_timestamp($first) - INTERVAL 8 DAY"
    stored = (
        f"{instant} WHERE list_contains($channels, m.channel_id) "
        f"AND m.start_datetime BETWEEN {since} AND make_timestamp($last) + INTERVAL 3 HOUR "
        f"UNION ALL {instant} SEMI JOIN (SELECT channel_id, max(start_datetime) AS start_datetime "
        f"  FROM counter_measures WHERE list_contains($channels, channel_id) AND start_datetime < {since} "
        "  GROUP BY channel_id) b ON b.channel_id = m.channel_id AND b.start_datetime = m.start_datetime")
    params = {"channels": channels, "first": first, "last": last}
    ctx.conn.execute(f"CREATE OR REPLACE TEMP TABLE _near AS SELECT * FROM ({stored}) WHERE e > $first AND s < $last",
                     params)
    if not ctx.scalar("SELECT count(*) FROM _near"):
        return
    # Those the file replaces (same channel and start instant) are not compared.
    ctx.conn.execute(f"CREATE OR REPLACE TEMP TABLE _near AS SELECT n.* FROM _near n ANTI JOIN ({rows}) f "
                     "ON f.channel_id = n.channel_id AND f.s = n.s")
    if not ctx.scalar("SELECT count(*) FROM _near"):
        return
    # The file's measures do not overlap one another: the one starting last at or before a stored
    # measure's start, and the one starting first after it, are the only ones that may meet it.
    clash = (
        f"SELECT f.line, f.raw, n.s, n.e FROM _near n ASOF JOIN ({rows}) f ON n.channel_id = f.channel_id AND n.s >= f.s "
        "WHERE f.e > n.s UNION ALL "
        f"SELECT f.line, f.raw, n.s, n.e FROM _near n ASOF JOIN ({rows}) f ON n.channel_id = f.channel_id AND n.s < f.s "
        "WHERE f.s < n.e")
    if not ctx.scalar(f"SELECT count(*) FROM ({clash})"):
        return
    if ctx.lines_unknown("une mesure chevauche une mesure déjà en base"):
        return
    # Bounded like the other checks (COLLECTED kept, the rest counted), and cheaper: the spans are
    # written as text only for the kept rows (a top-N on the message would format every clash).
    ctx.conn.execute(f"CREATE OR REPLACE TEMP TABLE _clash AS SELECT DISTINCT line, raw, s, e FROM ({clash})")
    total, lines = ctx.conn.execute("SELECT count(*), count(DISTINCT line) FROM _clash").fetchall()[0]
    kept = f"SELECT * FROM _clash ORDER BY line, s, e LIMIT {COLLECTED}"
    ctx.check(f"SELECT line, 'start_datetime', raw, $reason || _span(s, e) FROM ({kept})",
              reason=f"{OVERLAP} déjà en base : ")
    if total > COLLECTED:
        shown = ctx.scalar(f"SELECT count(DISTINCT line) FROM ({kept})")
        ctx.issues.append(Issue(2, None, None, None, OVERLAP, more=total - COLLECTED, more_lines=lines - shown,
                                lines_id=record_lines(ctx.conn, "SELECT line FROM _clash")))


def _written_clock(col: str) -> str:
    """SQL: the wall clock a date-time of `_parsed` is written in (its own offset's, not Paris's):
    the text as written when naive, the instant plus the written offset otherwise."""
    return (f"CASE WHEN z__{col} THEN l__{col} "
            f"ELSE make_timestamp(epoch_us({col}) + 60000000::BIGINT * w__{col}) END")


DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000


def _day_channels(ctx: Context, candidates: str) -> None:
    """`_day_step(channel_id, shortest, day)` for the channels of the `candidates` rows (SQL on
    `_parsed`): `shortest`, the shortest length of the channel's measures in the file that have an
    end (microseconds); `day`, whether the channel's step is a day, for its measures without an end.
    By the rule of any empty end (_lengths), the file says first: its measures with an end (all of
    23 h or more, most of them 23 to 25 h); without any, the declared time step when the starts lie
    on its grid, else the shortest gap between starts if shorter. A single start on a step that is
    not a day: the stored measures' most common length says."""
    conn = ctx.conn
    day = f"BETWEEN {DAY_US - HOUR_US} AND {DAY_US + HOUR_US}"
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _day_step AS "
        "SELECT channel_id, min(e - s) FILTER (WHERE e > s) AS shortest, "
        "mode(e - s) FILTER (WHERE e > s) AS usual, count(e) AS ends, count(*) AS starts, "
        "any_value(declared) AS declared, "
        "min(((s % declared) + declared) % declared) = max(((s % declared) + declared) % declared) AS on_grid, "
        "NULL::BIGINT AS gap, NULL::BOOLEAN AS day FROM ("
        "  SELECT p.channel_id, epoch_us(p.start_datetime) AS s, epoch_us(p.end_datetime) AS e, "
        "  1000000::BIGINT * ch.time_step AS declared FROM _parsed p LEFT JOIN counter_channels ch USING (channel_id) "
        f"  WHERE p.start_datetime IS NOT NULL AND p.channel_id IN (SELECT channel_id FROM _parsed WHERE {candidates})) "
        "GROUP BY channel_id")
    # The gaps between starts (a sort) only where they decide: no end, several starts off the grid.
    gaps = "ends = 0 AND starts > 1 AND NOT coalesce(on_grid, false)"
    if ctx.scalar(f"SELECT count(*) FROM _day_step WHERE {gaps}"):
        conn.execute(
            "UPDATE _day_step SET gap = g.gap FROM (SELECT channel_id, min(s - before) AS gap FROM ("
            "  SELECT channel_id, epoch_us(start_datetime) AS s, "
            "  lag(epoch_us(start_datetime)) OVER (PARTITION BY channel_id ORDER BY start_datetime) AS before "
            f"  FROM _parsed WHERE start_datetime IS NOT NULL AND channel_id IN (SELECT channel_id FROM _day_step "
            f"  WHERE {gaps})) WHERE s > before GROUP BY channel_id) g WHERE g.channel_id = _day_step.channel_id")
    step = "CASE WHEN on_grid THEN declared ELSE least(declared, coalesce(gap, declared)) END"
    conn.execute(
        f"UPDATE _day_step SET day = CASE WHEN ends > 0 THEN shortest >= {DAY_US - HOUR_US} AND usual {day} "
        f"WHEN {step} {day} THEN true WHEN starts > 1 THEN false END")
    if ctx.scalar("SELECT count(*) FROM _day_step WHERE day IS NULL"):
        conn.execute(
            "UPDATE _day_step SET day = coalesce(m.usual " + day + ", false) FROM ("
            "  SELECT channel_id, mode(epoch_us(end_datetime) - epoch_us(start_datetime) "
            "  - 60000000::BIGINT * (coalesce(end_utc_offset, utc_offset) - utc_offset)) AS usual "
            "  FROM counter_measures WHERE end_datetime IS NOT NULL "
            "  AND channel_id IN (SELECT channel_id FROM _day_step WHERE day IS NULL) GROUP BY channel_id) m "
            "WHERE m.channel_id = _day_step.channel_id AND _day_step.day IS NULL")
        conn.execute("UPDATE _day_step SET day = false WHERE day IS NULL")


def _calendar_days(ctx: Context) -> None:
    """Re-key calendar-day measures on Paris midnights, in `_parsed` itself, so that every check
    and the load use the stored key (README « Instants of measures »).

    A measure is stored at its instant in Paris time, except a calendar day of a day-step series:
    Eco-Compteur writes its days « T00:00:00+01:00 » all year, so a measure that starts at midnight
    written in one of Paris's own offsets (+01:00, +02:00, or without a zone) counts that date. It
    is stored from Paris midnight of the written start date to Paris midnight of the written end
    date when it ends at a later such midnight and its channel's measures in the file all last 23
    hours or more; to the next Paris midnight when it has no end and its channel's step is a day
    (_day_channels). « 2022-10-30T00:00:00+01:00 », with or without its end, « …+02:00 » and the
    instant « 2022-10-29T22:00:00Z » are then one key. Other measures are instants: a `Z` or
    `-05:00` day is that day in UTC or New York, not a Paris date, and a 24-hour measure among
    hours (an outage filled by a daily total) is the interval it writes. Nothing is rewritten
    when no measure of the file starts at such a midnight (one aggregate: most files pay nothing
    else)."""
    def midnight(col: str) -> str:
        return (f"({col} IS NOT NULL AND (w__{col} IN (60, 120) OR z__{col}) "
                f"AND epoch_us({_written_clock(col)}) % {DAY_US} = 0)")
    # A measure with an end is a day only if it lasts 23 hours or more itself: hourly files, even
    # written +01:00 or +02:00, stop at this one aggregate.
    candidates = (f"channel_id IS NOT NULL AND {midnight('start_datetime')} AND (end_datetime IS NULL "
                  f"OR epoch_us(end_datetime) - epoch_us(start_datetime) >= {DAY_US - HOUR_US})")
    if not ctx.scalar(f"SELECT count(*) FROM _parsed WHERE {candidates}"):
        return
    _day_channels(ctx, candidates)
    if not ctx.scalar(f"SELECT count(*) FROM _day_step WHERE day OR shortest >= {DAY_US - HOUR_US}"):
        return
    conn = ctx.conn
    ws, we = _written_clock("start_datetime"), _written_clock("end_datetime")
    cal = (f"{candidates} AND CASE WHEN end_datetime IS NULL THEN d.day "
           f"ELSE {midnight('end_datetime')} AND {we} > {ws} AND d.shortest >= {DAY_US - HOUR_US} END")
    if not ctx.scalar(f"SELECT count(*) FROM _parsed p JOIN _day_step d USING (channel_id) WHERE {cal}"):
        return
    replaced = []
    for col, local in (("start_datetime", "_ws::DATE::TIMESTAMP"), ("end_datetime", "_we::DATE::TIMESTAMP")):
        replaced += [f"CASE WHEN _cal THEN {local} ELSE l__{col} END AS l__{col}",
                     f"CASE WHEN _cal THEN paris_offset({local}) ELSE o__{col} END AS o__{col}",
                     f"CASE WHEN _cal THEN make_timestamptz(epoch_us({local}) - 60000000::BIGINT "
                     f"* paris_offset({local})) ELSE {col} END AS {col}"]
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _parsed_days AS "
        f"SELECT * EXCLUDE (_ws, _we, _cal, shortest, usual, ends, starts, declared, on_grid, gap, day) "
        f"REPLACE ({', '.join(replaced)}) FROM ("
        f"  SELECT *, CASE WHEN _cal THEN {ws} END AS _ws, "
        f"  CASE WHEN _cal THEN coalesce({we}, {ws} + INTERVAL 1 DAY) END AS _we FROM ("
        f"    SELECT p.*, d.*  EXCLUDE (channel_id), coalesce({cal}, false) AS _cal "
        "    FROM _parsed p LEFT JOIN _day_step d USING (channel_id)))")
    _drop_parsed(conn)
    conn.execute("CREATE TEMP VIEW _parsed AS SELECT * FROM _parsed_days")


def build_measures(ctx: Context) -> None:
    """Measures keyed by channel and instant: the local start (Europe/Paris wall clock, as the
    daily and monthly sums read it) with its UTC offset, so the two 02:00 hours of the last Sunday
    of October stay two measures. A local time written without a zone is read by the Paris rule;
    one that does not exist (the March hour skipped) or that happens twice (the October hour)
    is refused, asking for the offset."""
    ctx.check("SELECT line, 'channel_id', r__channel_id, "
              "'canal de comptage inconnu : importez d''abord le fichier des canaux' "
              "FROM _parsed WHERE channel_id IS NOT NULL "
              "AND channel_id NOT IN (SELECT channel_id FROM counter_channels)")
    if ctx.has("end_datetime"):
        ctx.check("SELECT line, 'end_datetime', r__end_datetime, $reason "
                  # A time in the March gap is refused as such below: not a second time here.
                  "FROM _parsed WHERE end_datetime <= start_datetime AND NOT g__start_datetime "
                  "AND NOT g__end_datetime",
                  reason=f"n'est pas postérieure à {ctx.label('start_datetime')}")
    # The same rule for the start and the end, every reader (README « Instants of measures »): an end
    # « 02:30 » on 26/10 without a zone is 1 or 2 hours after « 01:30 », as ambiguous as a start.
    for col in ("start_datetime", "end_datetime"):
        if not ctx.has(col):
            continue
        ctx.check(f"SELECT line, '{col}', r__{col}, "
                  "'heure inexistante : passage à l''heure d''été (l''heure de 2 h à 3 h est sautée ; "
                  f"indiquez le décalage, par exemple +01:00)' FROM _parsed WHERE g__{col}")
        ctx.check(f"SELECT line, '{col}', r__{col}, "
                  "'heure ambiguë : passage à l''heure d''hiver (l''heure de 2 h à 3 h a lieu deux fois ; "
                  "indiquez le décalage, +02:00 pour la première, +01:00 pour la seconde)' "
                  f"FROM _parsed WHERE z__{col} AND paris_repeated(l__{col})")
    # Measures start on a whole second (the schema's hours, quarter-hours…): a fraction would put a
    # measure off its channel's grid, silently (« 10:00:00.5Z »). Refused, naming the cell.
    for col in ("start_datetime", "end_datetime"):
        if ctx.has(col):
            ctx.check(f"SELECT line, '{col}', r__{col}, 'fraction de seconde : un début ou une fin de mesure "
                      f"s''écrit à la seconde près (par exemple 2025-02-15T10:00:00Z)' FROM _parsed "
                      f"WHERE epoch_us({col}) % 1000000 <> 0")
    _calendar_days(ctx)
    # The same channel at the same instant twice: refused whatever the reader (both lines named).
    if _may_repeat_instants(ctx) and not ctx.lines_unknown("même canal et même début"):
        ctx.check(
            "SELECT line, 'start_datetime', r__start_datetime, "
            "'en double : même canal et même début qu''à la ligne ' || first FROM ("
            "  SELECT line, r__start_datetime, min(line) OVER (PARTITION BY channel_id, start_datetime) AS first "
            "  FROM _parsed WHERE channel_id IS NOT NULL AND start_datetime IS NOT NULL) "
            "WHERE line > first ORDER BY line")
    if ctx.issues:
        return
    empty_ends = ctx.scalar("SELECT count(*) FROM _parsed WHERE l__end_datetime IS NULL")
    if empty_ends:
        _lengths(ctx)
    _overlaps(ctx, bool(empty_ends))
    if ctx.issues:
        return
    # A view, not a copy: for a million rows a copy costs as much as reading the file.
    # An empty end is the start instant plus the length of the channel's other measures (_lengths), in
    # Paris wall clock and offset
    # (the first 02:00 of October plus an hour is 02:00 +01:00, not 03:00).
    if empty_ends:
        step = "p.start_datetime + to_microseconds(st.us)"
        end = f"coalesce(p.l__end_datetime, _paris({step}))"
        end_offset = f"coalesce(p.o__end_datetime, _paris_offset_min({step}))"
    else:
        end, end_offset = "p.l__end_datetime", "p.o__end_datetime"
    join = "LEFT JOIN _step st USING (channel_id)" if empty_ends else ""
    ctx.conn.execute("CREATE OR REPLACE TEMP TABLE _src AS SELECT $source AS source", {"source": ctx.source})
    ctx.conn.execute(
        f"CREATE OR REPLACE TEMP VIEW _new AS SELECT p.line, p.channel_id, p.l__start_datetime AS start_datetime, "
        f"p.o__start_datetime AS utc_offset, {end} AS end_datetime, {end_offset}::SMALLINT AS end_utc_offset, "
        "p.count::INTEGER AS count, s.source "
        f"FROM _parsed p {join}, _src s")
    repeated = ctx.scalar("SELECT count(*) FROM _parsed WHERE paris_repeated(l__start_datetime)")
    if repeated:
        ctx.notes.append(f"{repeated} mesure{'s' if repeated > 1 else ''} dans l'heure répétée du passage à "
                         "l'heure d'hiver, " + ("gardées avec leur" if repeated > 1 else "gardée avec son")
                         + " décalage horaire")
    # Measures after their channel's declared end: said, as the channels import says it (a re-check
    # tester's N6). Only when a channel has an end: the usual import reads no more than before.
    ended = ctx.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'counter_channels' "
                       "AND column_name = 'end_date' AND schema_name = 'main'")
    if ended and ctx.scalar("SELECT count(*) FROM counter_channels WHERE end_date IS NOT NULL"):
        ctx.notes.extend(_after_end_notes(ctx.conn.execute(
            "SELECT n.channel_id, ch.end_date, count(DISTINCT CAST(n.start_datetime AS DATE)) FROM _new n "
            "JOIN counter_channels ch ON ch.channel_id = n.channel_id AND CAST(n.start_datetime AS DATE) > ch.end_date "
            "GROUP BY ALL ORDER BY min(n.line)").fetchall()))
    # A column the file lacks never erases what is stored (the count is required: see MEASURES).
    ctx.provided = {c for c in ("end_datetime", "count") if ctx.has(c)}
    if "end_datetime" in ctx.provided:
        ctx.provided.add("end_utc_offset")
