"""Chaîne des parcs page: counted visits, their gaps, seasonality, sites and events.

The heavy lifting (hourly rows to days, weeks or months) is done in SQL by the
visits_* queries; these functions shape the small aggregated frames into tables,
KPI cards and plotly figures. Missing hours are never turned into zeros: a period
whose hours are all missing has visits = NaN and is drawn as a gap, and a period with
some missing hours is marked on the chart and counted in the table.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import anomalies, fmt
from ecotransition.core.kpi import Kpi, from_indicator
from ecotransition.core.labels import DEMO_SOURCE, PMA_LABEL, plural
from ecotransition.core.plotting import MODE_LABELS, PALETTE, french_date_axis, style, text

# Choices of the page controls (shown and put in the URL as they are) -> query values.
GRAINS = {"Jour": "day", "Semaine": "week", "Mois": "month", "12 mois glissants": "rolling"}
MODES = {"Piétons": "PEDESTRIAN", "Vélos": "BIKE"}
MODE_COLORS = {"PEDESTRIAN": PALETTE[0], "BIKE": PALETTE[1]}
# A period with more than this share of its hours missing is marked as incomplete.
INCOMPLETE_SHARE = 0.01
# Events of this theme are labelled on the visits chart (the others only have a marker).
PARK_THEME = "Chaîne des parcs"
# The source of counts staff imported (counts_source, FLAG_SOURCES).
IMPORTED_SOURCE = "comptages importés"

MONTHS, MONTHS_LONG, WEEKDAYS = fmt.MONTHS_SHORT, fmt.MONTHS, fmt.WEEKDAYS
_FREQ = {"day": "D", "week": "W-MON", "month": "MS", "rolling": "MS"}


def query_grain(grain: str) -> str:
    """The visits_series grain a page grain reads (the rolling total adds up months)."""
    return "month" if grain == "rolling" else grain


# ------------------------------------------------------------------ French dates

def period_label(d, grain: str) -> str:
    """'3 juillet 2023', 'semaine du 3 juillet 2023' or 'juillet 2023' (plain Python: fast for 4k points)."""
    if fmt.is_missing(d):
        return fmt.MISSING
    d = pd.Timestamp(d)
    if grain == "month":
        return f"{MONTHS_LONG[d.month - 1]} {d.year}"
    if grain == "rolling":
        start = d - pd.DateOffset(months=11)
        return f"12 mois, {MONTHS_LONG[start.month - 1]} {start.year} – {MONTHS_LONG[d.month - 1]} {d.year}"
    text = f"{d.day}{'er' if d.day == 1 else ''} {MONTHS_LONG[d.month - 1]} {d.year}"
    return f"semaine du {text}" if grain == "week" else text


# ------------------------------------------------------------------ series

def complete_periods(series: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Add the periods absent from the result (no row at all) as missing, mode by mode.

    Periods before a mode's first or after its last measure are not added: the counters
    did not exist yet, which is not the same as a missing measure.
    """
    if series.empty:
        return series.assign(period=pd.to_datetime(series["period"]))
    out = []
    s = series.assign(period=pd.to_datetime(series["period"]))
    for mode, d in s.groupby("mobility_type", sort=True):
        full = pd.date_range(d["period"].min(), d["period"].max(), freq=_FREQ[grain])
        d = d.set_index("period").reindex(full.union(d["period"]))
        d.index.name = "period"
        d["mobility_type"] = mode
        out.append(d.reset_index())
    return pd.concat(out, ignore_index=True).sort_values(["period", "mobility_type"]).reset_index(drop=True)


def rolling_year(monthly: pd.DataFrame) -> pd.DataFrame:
    """Monthly visits_series rows (months absent added as missing) to rolling 12-month totals:
    each month stands for itself and the 11 before. A window with a month whose every hour is
    missing, or that starts before the series, has no total (NaN, never a sum of 11 months);
    missing hours, hours and days with measures add up over the window."""
    t = complete_periods(monthly, "month")
    last = t["period"].max() if len(t) else None
    out = []
    for mode, d in t.groupby("mobility_type", sort=True):
        d = d.sort_values("period").set_index("period")
        # A mode without rows after its last month while the series goes on has every channel declared
        # ended (counter_calendar expects nothing after an end): its later months count nothing, not
        # missing, for as long as a window still holds one of its months (t12j finding 6: the bikes'
        # rolling total vanished in January while the pedestrians' kept their ended channels' months).
        after = pd.date_range(d.index.max(), min(last, d.index.max() + pd.DateOffset(months=11)), freq="MS")[1:]
        if len(after):
            ended = pd.DataFrame({"visits": 0.0, "missing_hours": 0.0, "hours": 0.0, "days": 0.0},
                                 index=pd.Index(after, name="period"))
            if "is_demo" in d:
                ended["is_demo"] = False
            d = pd.concat([d, ended])
        roll = d[["visits", "missing_hours", "hours", "days"]].rolling(12, min_periods=12).sum()
        roll["mobility_type"] = mode
        if "is_demo" in d:
            roll["is_demo"] = d["is_demo"].astype("boolean").rolling(12, min_periods=1).max().astype(bool)
        out.append(roll.iloc[11:].reset_index())
    if not out:
        return t
    r = pd.concat(out, ignore_index=True)
    return r.sort_values(["period", "mobility_type"]).reset_index(drop=True)


def series_table(series: pd.DataFrame, grain: str, year: int | None = None) -> pd.DataFrame:
    """The series as shown: one row per period and mode, with missing hours, the completeness of
    the whole period (%, the days without any measure — not yet come, before the counter — counted
    missing) and its `state` (complete, incomplete as the chart's cross marks it, no measure).
    `grain` 'rolling': `series` holds every month (the months before `year` feed its first
    totals), the rows are the rolling 12-month totals ending in `year` (None: all)."""
    if grain == "rolling":
        series = rolling_year(series)
        if year is not None:
            series = series[pd.to_datetime(series["period"]).dt.year == int(year)]
    t = complete_periods(series, grain)
    t["mode"] = t["mobility_type"].map(lambda m: MODE_LABELS.get(m, m))
    t["label"] = [period_label(p, grain) for p in t["period"]]
    # A period is also partial when some of its days have no measure row at all (the first and
    # last weeks or months of the series, usually): its total would look like a drop.
    length = {"day": 1, "week": 7}.get(grain)
    if grain == "rolling":
        # The days of the 12 months ending with the period's month.
        t["period_days"] = [(p + pd.DateOffset(months=1) - (p - pd.DateOffset(months=11))).days for p in t["period"]]
    else:
        t["period_days"] = t["period"].dt.days_in_month if length is None else length
    if "days" not in t:
        t["days"] = t["period_days"]
    t["incomplete"] = (t["missing_hours"].fillna(0) > INCOMPLETE_SHARE * t["hours"].fillna(0)) | (
        t["days"].notna() & (t["days"] < t["period_days"]))
    # Of the whole period: the hours measured on its days with measures, times the share of its days
    # that have any. The days not yet come or not covered counted as measured read « 100,0 » beside
    # a rolling total of 344 days of 365, which the chart marks incomplete (t12i finding 6).
    covered = (t["days"] / t["period_days"]).clip(upper=1).fillna(1)
    t["completeness"] = (1 - t["missing_hours"] / t["hours"].where(t["hours"] > 0)) * covered * 100
    # The chart's marks, in words: the table and its export say which totals are partial.
    t["state"] = np.select([t["visits"].isna(), t["incomplete"]], [GAP_STATE, INCOMPLETE_STATE], COMPLETE_STATE)
    t["period"] = t["period"].dt.date
    return t


# A period's `state` in series_table: as the chart marks it (a gap, a cross, a plain point).
COMPLETE_STATE, INCOMPLETE_STATE, GAP_STATE = "complète", "incomplète (total sous-estimé)", "aucune mesure"

SERIES_LABELS = {
    "period": "Début de la période",
    "label": "Période",
    "state": "État de la période",
    "mode": "Mode",
    "visits": "Passages comptés",
    "missing_hours": "Heures manquantes",
    "hours": "Heures mesurées ou attendues",
    "completeness": "Complétude (%)",
    "days": "Jours avec mesures",
    "period_days": "Jours de la période",
    "source": "Source",
}


def series_sources(table: pd.DataFrame, cy: pd.DataFrame, grain: str) -> pd.DataFrame:
    """`table` (series_table rows) with each row's `source`: `counts_source` of the channels of
    its mode (`cy`: the visits_channel_years rows shown) over the years its period touches (a
    week across New Year, a rolling total's 12 months), the page's one rule of where counts come
    from; '' when none of them has a row."""
    if table.empty:
        return table.assign(source=pd.Series(dtype=object))
    start = pd.to_datetime(table["period"])
    end = (start + pd.Timedelta(days=6) if grain == "week" else start)
    if grain == "rolling":
        start = start - pd.DateOffset(months=11)
    by_mode = {m: d for m, d in cy.groupby("mobility_type")} if "mobility_type" in cy else {}
    memo: dict = {}

    def source(mode, first: int, last: int) -> str:
        if (mode, first, last) not in memo:
            d = by_mode.get(mode, cy.iloc[0:0])
            memo[mode, first, last] = counts_source(*counts_origin(d[d["year"].between(first, last)]))
        return memo[mode, first, last]

    return table.assign(source=[source(m, a.year, b.year)
                                for m, a, b in zip(table["mobility_type"], start, end)])


def series_labels(grain: str) -> dict[str, str]:
    """SERIES_LABELS, the period named for what it is: a rolling total is dated by its last month."""
    if grain != "rolling":
        return SERIES_LABELS
    return SERIES_LABELS | {"period": "Dernier mois des 12", "label": "12 mois glissants",
                            "visits": "Passages comptés sur 12 mois"}


def series_figure(table: pd.DataFrame, grain: str, events: pd.DataFrame | None = None,
                  flags: pd.DataFrame | None = None, demo: bool | None = None) -> go.Figure:
    """Visits per period and mode: gaps where every hour is missing, marks where some are,
    the events of the events table (shaded span, marker with the details on hover) and the
    anomaly flags of the channels shown (`flags`: flag_table rows; a band per flagged period).
    `demo`: the page's `counts_origin` of the channels shown (a series of missing hours from a
    demonstration channel is demonstration); None: from the table's own rows."""
    fig = go.Figure()
    if demo is None:
        demo = bool(table["is_demo"].fillna(False).any()) if "is_demo" in table else False
    periods = pd.to_datetime(table["period"])
    for mode, d in table.assign(period=periods).groupby("mobility_type", sort=False):
        label = MODE_LABELS.get(mode, mode)
        color = MODE_COLORS.get(mode, PALETTE[2])
        custom = np.stack([d["label"], d["missing_hours"].fillna(0), d["hours"].fillna(0),
                           d["days"].fillna(0), d["period_days"]], axis=-1)
        fig.add_scatter(
            x=d["period"], y=d["visits"], name=label, mode="lines", connectgaps=False,
            line=dict(color=color, width=1.5 if grain == "day" else 2.5), customdata=custom,
            hovertemplate=f"{label} · %{{customdata[0]}}<br>%{{y:,.0f}} passages"
                          "<br>%{customdata[1]:,.0f} heures manquantes sur %{customdata[2]:,.0f}"
                          + ("" if grain == "day" else "<br>%{customdata[3]} jours mesurés sur %{customdata[4]}")
                          + "<extra></extra>",
        )
        inc = d[d["incomplete"] & d["visits"].notna()]
        if len(inc):
            fig.add_scatter(
                x=inc["period"], y=inc["visits"], mode="markers", legendgroup="incomplete",
                name="Période incomplète (heures manquantes)", showlegend=False,
                marker=dict(symbol="x-thin-open", size=8, color="#000000", line=dict(width=1.5)),
                customdata=np.stack([inc["label"], inc["missing_hours"], inc["hours"], inc["days"],
                                     inc["period_days"]], axis=-1),
                hovertemplate=f"{label} · %{{customdata[0]}} : période incomplète<br>%{{y:,.0f}} passages "
                              "comptés, %{customdata[1]:,.0f} heures manquantes sur %{customdata[2]:,.0f}"
                              + ("" if grain == "day" else "<br>%{customdata[3]} jours mesurés sur %{customdata[4]}")
                              + "<extra></extra>",
            )
        gaps = d[d["visits"].isna()]
        if len(gaps):
            # A zero-height marker on the axis says "no data here" without drawing a 0.
            fig.add_scatter(
                x=gaps["period"], y=[0] * len(gaps), mode="markers", legendgroup="gap",
                name="Aucune mesure (lacune)", showlegend=False,
                marker=dict(symbol="line-ns-open", size=10, color="#D55E00", line=dict(width=2)),
                customdata=gaps[["label"]].to_numpy(),
                hovertemplate=f"{label} · %{{customdata[0]}} : aucune mesure (lacune, pas un zéro)<extra></extra>",
            )
    # One legend entry per marker kind, whatever the mode.
    for group in ("incomplete", "gap"):
        first = next((t for t in fig.data if t.legendgroup == group), None)
        if first is not None:
            first.showlegend = True
    if events is not None and len(events) and len(periods):
        _annotate_events(fig, events, periods.min(), periods.max(), grain, flags)
    if flags is not None and len(flags) and len(periods):
        _mark_flags(fig, flags, periods.min(), periods.max(), grain)
    fig.update_layout(yaxis=dict(title="Passages comptés", rangemode="tozero", tickformat=",d"), hovermode="closest")
    french_date_axis(fig, periods.min() if len(periods) else None, periods.max() if len(periods) else None,
                     title="")
    title = {"day": "Passages comptés par jour", "week": "Passages comptés par semaine",
             "month": "Passages comptés par mois",
             "rolling": "Passages comptés sur 12 mois glissants (chaque mois et les 11 précédents)"}[grain]
    style(fig, title, demo=demo, height=480)
    # Legend under the plot: up to six entries would run into the demonstration mark above it.
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="left", x=0))
    return fig


# With a counter chosen, the chart draws what may explain its series: every event saying its place
# was closed, and at most OTHER_EVENTS of the other events about it, those on its flagged days first,
# then the Chaîne des parcs' own, then the largest (participants); a whole agenda within 1 km covered
# the year with bands and labels (t12h finding 7). The legend says how many are left out.
OTHER_EVENTS = 4
# Labels on up to LABEL_ROWS rows at the top, each where it overlaps no other label of its row, its
# width estimated at CHAR_SHARE of the chart's span a character (11 px letters on a chart about 800 px
# wide); a label with no room is left out (its marker keeps the hover).
LABEL_ROWS, LABEL_CHARS, CHAR_SHARE = 4, 32, 0.0085


def chart_events(events: pd.DataFrame, flags: pd.DataFrame | None, start, last) -> tuple[pd.DataFrame, int]:
    """The events the visits chart draws between `start` and `last` (exclusive), by start, and
    how many others of that span it leaves out. Without a `closure` column (no counter chosen:
    events_for_area) every event of the span is drawn."""
    ev = events.copy()
    ev["start"] = pd.to_datetime(ev["start_date"])
    ev["end"] = pd.to_datetime(ev["end_date"]).fillna(ev["start"])
    ev = ev[(ev["end"] >= start) & (ev["start"] < last)]
    if "closure" not in ev or ev.empty:
        return ev.sort_values("start"), 0
    closed = ev["closure"].fillna(False).astype(bool)
    others = ev[~closed]
    on_flag = pd.Series(False, index=others.index)
    if flags is not None and len(flags):
        for f0, f1 in zip(pd.to_datetime(flags["start"]), pd.to_datetime(flags["end"])):
            on_flag |= (others["end"] >= f0) & (others["start"] <= f1)
    ranked = others.assign(_flag=on_flag, _park=others["theme"] == PARK_THEME,
                           _people=pd.to_numeric(others["participants"], errors="coerce"))
    ranked = ranked.sort_values(["_flag", "_park", "_people", "start"], ascending=[False, False, False, True],
                                na_position="last", kind="stable").head(OTHER_EVENTS)
    chosen = pd.concat([ev[closed], ev.loc[ranked.index]]).sort_values("start", kind="stable")
    return chosen, len(ev) - len(chosen)


def _annotate_events(fig: go.Figure, events: pd.DataFrame, start, end, grain: str,
                     flags: pd.DataFrame | None = None) -> None:
    # `end` is the start of the last period: the events of that whole period belong on the chart.
    last = end + pd.tseries.frequencies.to_offset(_FREQ[grain])
    ev, left_out = chart_events(events, flags, start, last)
    if ev.empty:
        return
    per_counter = "closure" in ev
    span = max((last - pd.Timestamp(start)).total_seconds(), 1.0)
    taken: list[list[tuple[float, float]]] = [[] for _ in range(LABEL_ROWS)]
    edge = start + (end - start) * 0.8
    xs, texts, hovers, ys, shapes = [], [], [], [], []
    for e in ev.itertuples():
        multi = e.end > e.start
        # Plain dicts set once: fig.add_vline/add_vrect re-validate every shape on each call.
        if multi:
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=e.start, x1=e.end + pd.Timedelta(days=1),
                               y0=0, y1=1, fillcolor=PALETTE[4], opacity=0.15, line_width=0, layer="below"))
        else:
            shapes.append(dict(type="line", xref="x", yref="paper", x0=e.start, x1=e.start, y0=0, y1=1,
                               line=dict(color=PALETTE[4], width=1, dash="dot"), opacity=0.6))
        title = text(e.title)
        place = text(e.place) if not fmt.is_missing(e.place) else "lieu non précisé"
        when = fmt.day(e.start) if not multi else f"du {fmt.day(e.start)} au {fmt.day(e.end)}"
        people = "n.d." if fmt.is_missing(e.participants) else fmt.number(e.participants)
        x = e.start + (e.end - e.start) / 2
        xs.append(x)
        closure = " · fermeture du site" if per_counter and bool(e.closure) else ""
        hovers.append(f"<b>{title}</b><br>{when}<br>{place}<br>Participants : {people}{closure}")
        # Long views label only the multi-day park events (Parc en fête…): the others would pile up.
        # With a counter chosen, the few events drawn are all labelled where there is room.
        show = per_counter or (e.theme == PARK_THEME and (multi or (end - start).days <= 400))
        row = None
        short = str(e.title) if len(str(e.title)) <= LABEL_CHARS else str(e.title)[:LABEL_CHARS - 1] + "…"
        if show:
            # Labels near the right edge go to the left of their marker, or they would be cut off.
            at = (x - pd.Timestamp(start)).total_seconds() / span
            width = (len(short) + 2) * CHAR_SHARE
            box = (at - width, at) if x > edge else (at, at + width)
            free = [r for r in range(LABEL_ROWS) if all(box[1] <= a or box[0] >= b for a, b in taken[r])]
            row = free[0] if free else None
        if row is not None:
            taken[row].append(box)
            texts.append(text(short))
            ys.append(0.97 - 0.08 * row)
        else:
            texts.append("")
            ys.append(0.99)
    positions = ["middle left" if x > edge else "middle right" for x in xs]
    name = "Événements (table des événements)"
    if left_out:
        name = (f"Événements : {fmt.number(len(ev))} tracés, {fmt.number(left_out)} autres autour du compteur "
                "non tracés (table des événements)")
    fig.add_scatter(
        x=xs, y=ys, yaxis="y2", mode="markers+text", text=texts, textposition=positions,
        textfont=dict(size=11, color="#5a2d4d"), name=name,
        marker=dict(symbol="triangle-down", size=11, color=PALETTE[4]), hovertext=hovers, hoverinfo="text",
    )
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True),
                      shapes=list(fig.layout.shapes) + shapes)


# Anomaly bands: one colour per rule, none the pink of the events (PALETTE[4]) nor a mode's.
FLAG_COLORS = {"zero": "#D55E00", "flat": "#332288", "drop": "#882255", "jump": "#009E73", "gap": "#7F7F7F"}


def _mark_flags(fig: go.Figure, flags: pd.DataFrame, start, end, grain: str) -> None:
    """A band under the series for each flagged period and a marker at the foot of the chart
    per flag, with its channel, rule and detail on hover (one legend entry per rule)."""
    last = end + pd.tseries.frequencies.to_offset(_FREQ[grain])
    f = flags.assign(start=pd.to_datetime(flags["start"]), end=pd.to_datetime(flags["end"]))
    f = f[(f["end"] >= start) & (f["start"] < last)]
    if f.empty:
        return
    # Drawn within the chart's periods only: a run that began before them or goes on after
    # them would stretch the axis over months not asked for (its hover gives the whole run).
    f = f.assign(start=f["start"].clip(lower=pd.Timestamp(start)),
                 end=f["end"].clip(upper=last - pd.Timedelta(days=1)))
    shapes = []
    for rule in [r for r in anomalies.RULES if r in set(f["rule"])]:
        g = f[f["rule"] == rule]
        color = FLAG_COLORS.get(rule, "#7F7F7F")
        for r in g.itertuples():
            # A flagged day is drawn a day wide, or it would vanish on a month or a year view.
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=r.start, x1=r.end + pd.Timedelta(days=1),
                               y0=0, y1=1, fillcolor=color, opacity=0.3, line_width=0, layer="below"))
        hover = [f"<b>Anomalie : {text(r.label)}</b><br>{text(r.channel)}<br>{text(r.period)}<br>{text(r.detail)}"
                 for r in g.itertuples()]
        fig.add_scatter(
            x=g["start"] + (g["end"] - g["start"]) / 2, y=[0.02] * len(g), yaxis="y2", mode="markers",
            marker=dict(symbol="square", size=9, color=color, line=dict(width=1, color="#333333")),
            name=f"Anomalie : {anomalies.RULES.get(rule, rule)}", hovertext=hover, hoverinfo="text",
            legendgroup=f"flag-{rule}",
        )
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True),
                      shapes=list(fig.layout.shapes) + shapes)


FLAG_LABELS = {
    "channel": "Canal (compteur · mode)",
    "label": "Anomalie",
    "start": "Premier jour",
    "end": "Dernier jour",
    "days": "Jours",
    "detail": "Détail",
    "source": "Source",
    "channel_id": "Identifiant du canal",
}


def _setting(value, percent: bool = False) -> str:
    """A threshold as set, never rounded nor padded (« 1,5 fois », « 12,5 % », « 0,00004 »: testers
    read « 2 fois » for 1,5 and « 0,0000 » for 0,00004): the decimals of its shortest writing."""
    v = float(value) * (100 if percent else 1)
    exponent = Decimal(repr(v)).normalize().as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return fmt.percent(float(value), decimals) if percent else fmt.number(v, decimals)


def rules_text(t: anomalies.Thresholds) -> str:
    """The rules with their thresholds, in French, under the table of flags."""
    n = anomalies.count_text   # « au moins 1 jour », « 2 jours »: thresholds may be 1 (README)
    return (f"Règles : zéros prolongés = au moins {n(t.zero_days, 'jour')} "
            f"{plural(t.zero_days, 'mesuré', 'mesurés')} à 0 passage sur un canal qui en "
            f"compte d'habitude au moins {_setting(t.usual_min)} par jour, hors fermeture saisonnière (des "
            f"jours à 0 qui commencent à {n(t.season_days, 'jour')} près à la date où ceux de l'année précédente "
            f"avaient commencé, si elles avaient duré au moins {n(max(anomalies.SEASON_MIN_DAYS, t.season_days, t.zero_days), 'jour')}, et pas "
            f"plus de {n(t.season_days, 'jour')} au-delà de leur fin : un parc fermé chaque "
            "hiver n'est signalé que son premier hiver) ; valeur figée = la même valeur "
            f"(au moins {_setting(t.flat_min_value)}) pendant au moins {n(t.flat_hours, 'mesure')} de suite ; baisse soudaine = au "
            f"moins {n(t.drop_days, 'jour')} sous {_setting(t.drop_ratio, percent=True)} du niveau des {n(t.level_days, 'jour')} "
            "précédents, hors baisse saisonnière (même règle de dates que les fermetures : une voie verte plus calme "
            f"chaque hiver n'est signalée que son premier hiver) ; hausse soudaine = un jour à plus de {_setting(t.jump_ratio)} fois le niveau des "
            f"{n(t.level_days, 'jour')} avant et après ; lacune = au moins {n(t.gap_hours, 'heure')} "
            f"{plural(t.gap_hours, 'non mesurée', 'non mesurées')} dans la "
            "journée, jusqu'au dernier jour compté par un compteur, ou jusqu'à la fin déclarée d'un canal retiré "
            "ou remplacé (colonne ended_at du fichier des canaux) : ce jour-là, jusqu'à sa dernière mesure ; après, plus "
            "aucun jour n'est attendu. "
            "Un événement de la table qui annonce la fermeture du site (à moins de "
            f"{_setting(t.closure_radius_m)} m du compteur, ou qui nomme son site ou son parc) n'est pas une "
            "anomalie, sauf une hausse (un site fermé qui compte beaucoup est suspect) ; une fermeture ailleurs dans la commune n'explique rien ; un événement annoncé près du "
            "compteur explique une hausse.")


FLAG_SOURCES = {
    "demo": DEMO_SOURCE + " (anomalie simulée ou aléa de la série générée)",
    "imported": IMPORTED_SOURCE,
    "mixed": IMPORTED_SOURCE + " ; " + DEMO_SOURCE,   # as counts_source words both
}


def flag_sources(flags: pd.DataFrame, daily: pd.DataFrame) -> pd.Series:
    """The source of each flag (FLAG_SOURCES key, aligned on `flags`), from its own days' rows:
    'demo' only when every row of its days is generated, 'imported' when none is, else 'mixed'.
    A channel is not demonstration as a whole: staff may import measures into a demonstration
    channel, and a fault in them is a real one. A day without any row (a gap) takes the source of
    the channel's last row before it (the series that stopped), else of its first row after it.

    `daily`: counter_days rows (channel_id, day, is_demo, imported)."""
    if flags.empty:
        return pd.Series([], index=flags.index, dtype=object)
    d = daily[["channel_id", "day"]].assign(
        day=pd.to_datetime(daily["day"]),
        is_demo=daily["is_demo"].astype("boolean") if "is_demo" in daily else pd.NA,
        imported=(daily["imported"].astype("boolean") if "imported" in daily
                  else ~daily["is_demo"].astype("boolean") if "is_demo" in daily else pd.NA))
    days = pd.DataFrame(
        [(i, c, day) for i, c, a, b in zip(flags.index, flags["channel_id"], flags["start"], flags["end"])
         for day in pd.date_range(pd.Timestamp(a), pd.Timestamp(b), freq="D")],
        columns=["flag", "channel_id", "day"])
    # Every day of the flags and of the channel's rows, in order, to carry a row's source over a gap.
    cal = (pd.concat([d, days[["channel_id", "day"]].drop_duplicates()], ignore_index=True)
           .drop_duplicates(["channel_id", "day"]).sort_values(["channel_id", "day"]))
    for col in ("is_demo", "imported"):
        cal[col] = cal.groupby("channel_id")[col].transform(lambda s: s.ffill().bfill())
    got = days.merge(cal, on=["channel_id", "day"], how="left").groupby("flag").agg(
        demo=("is_demo", lambda s: bool(s.fillna(False).any())),
        imported=("imported", lambda s: bool(s.fillna(False).any())))
    kind = np.where(got["imported"] & got["demo"], "mixed", np.where(got["demo"], "demo", "imported"))
    return pd.Series(kind, index=got.index).reindex(flags.index).fillna("imported")


def flags_for_area(daily: pd.DataFrame, runs: pd.DataFrame, events: pd.DataFrame | None, channels: pd.DataFrame,
                   t: anomalies.Thresholds | None = None, near: pd.DataFrame | None = None) -> pd.DataFrame:
    """The anomaly flags of the area's channels (ecotransition.core.anomalies) as the page lists
    them: FLAG_LABELS columns plus rule, period (French) and is_demo (every row of the flag's days
    generated: `flag_sources`), latest first.

    `daily`: counter_days; `runs`: counter_flat_runs; `events`: events_list (closures and
    announced events), or `near`: their days about each counter (counter_event_days, matched in
    SQL on the database: what the pages pass); `channels`: visits_channel_years (site name, mode,
    position)."""
    f = anomalies.flags(daily, runs, t, events, channels, near=near)
    ch = channels.drop_duplicates("channel_id").set_index("channel_id")
    names = {c: f"{r.site_name} · {MODE_LABELS.get(r.mobility_type, r.mobility_type)}" for c, r in ch.iterrows()}
    kind = flag_sources(f, daily)
    f = f.assign(
        channel=f["channel_id"].map(lambda c: names.get(c, c)),
        period=[fmt.day(a) if a == b else f"du {fmt.day(a)} au {fmt.day(b)}" for a, b in zip(f["start"], f["end"])],
        is_demo=(kind == "demo").astype(bool),
        source=kind.map(FLAG_SOURCES),
    )
    return f.sort_values(["start", "channel"], ascending=[False, True]).reset_index(drop=True)


def flags_of(flags: pd.DataFrame, channels: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """The flags of `channels` (select_channels rows); with `year`, those touching it clipped to
    it: start, end, days and period within the year, and the detail saying when the run goes on
    outside it, the detail's figures being the whole run's (« 4 584 heures non mesurées sur toute la
    période signalée, qui continue hors de 2025 : du … au … (191 jours) »), so that the table's
    days add up to the year's summary."""
    f = flags[flags["channel_id"].isin(set(channels["channel_id"]))]
    if year is None or not len(f):
        return f
    f = f[(pd.to_datetime(f["start"]).dt.year <= year) & (pd.to_datetime(f["end"]).dt.year >= year)]
    if not len(f):
        return f
    first, last = date(year, 1, 1), date(year, 12, 31)
    whole = list(zip(f["start"], f["end"], f["days"]))
    starts = [max(pd.Timestamp(a).date(), first) for a, _, _ in whole]
    ends = [min(pd.Timestamp(b).date(), last) for _, b, _ in whole]
    out = f.assign(start=starts, end=ends, days=[(e - b).days + 1 for b, e in zip(starts, ends)])
    if "period" in out:
        out["period"] = [fmt.day(a) if a == b else f"du {fmt.day(a)} au {fmt.day(b)}" for a, b in zip(starts, ends)]
    if "detail" in out:
        out["detail"] = [
            d if (pd.Timestamp(a).date(), pd.Timestamp(b).date()) == (s, e) else
            f"{d} sur toute la période signalée, qui continue hors de {year} : du {fmt.day(pd.Timestamp(a).date())} "
            f"au {fmt.day(pd.Timestamp(b).date())} ({fmt.number(n)} jours)"
            for d, (a, b, n), s, e in zip(out["detail"], whole, starts, ends)]
    return out


def flags_summary(flags: pd.DataFrame, daily: pd.DataFrame, channels: pd.DataFrame, year: int | None = None) -> str:
    """'152 jours-canaux signalés sur 22 852 (…)' for `channels` (and `year`, the flags clipped
    to it): what the totals state. The channel-days counted are those between each channel's
    first and last day (days with no row included)."""
    f = flags_of(flags, channels, year)
    d = anomalies.calendar(daily[daily["channel_id"].isin(set(channels["channel_id"]))])
    if year is not None:
        d = d[d["day"].dt.year == year]
    return anomalies.summary(f, len(d) if len(d) else None)


def events_for_area(events: pd.DataFrame, epci: str | None, commune: str | None,
                    counter: pd.DataFrame | None = None, t: anomalies.Thresholds | None = None) -> pd.DataFrame:
    """Events to show on the visits chart: with a counter chosen (`counter`: its
    visits_channel_years rows), the events about it (anomalies.events_about: near it, or naming
    its site or park); else those held in the selected area; for the whole PMA, every event in
    the territory plus the Chaîne des parcs events whose place is not given."""
    if counter is not None:
        # `closure`: the event says this counter's place was closed (the chart draws all of those).
        closing: set[int] = set()
        about = anomalies.events_about(events, counter, t or anomalies.Thresholds(), closing)
        return events.assign(closure=[k in closing for k in range(len(events))])[[bool(a) for a in about]]
    if commune:
        return events[events["commune_code"] == commune]
    if epci:
        return events[events["epci"] == epci]
    return events[events["commune_code"].notna() | (events["theme"] == PARK_THEME)]


# ------------------------------------------------------------------ seasonality

def seasonality_figure(season: pd.DataFrame) -> go.Figure:
    """Average visits per day by month (rows) and weekday (columns)."""
    grid = (season.pivot_table(index="month", columns="weekday", values="avg_visits", aggfunc="first")
            .reindex(index=range(1, 13), columns=range(1, 8)))
    days = (season.pivot_table(index="month", columns="weekday", values="days", aggfunc="first")
            .reindex(index=range(1, 13), columns=range(1, 8)))
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[w.capitalize() for w in WEEKDAYS], y=[m.capitalize() for m in MONTHS_LONG],
        customdata=days.to_numpy(), colorscale="Viridis", hoverongaps=False,
        colorbar=dict(title=dict(text="Passages<br>par jour"), tickformat=",d"),
        hovertemplate="%{y}, %{x} : %{z:,.0f} passages par jour en moyenne"
                      "<br>(%{customdata:,.0f} jours complets)<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    demo = bool(season["is_demo"].any()) if "is_demo" in season and len(season) else False
    return style(fig, "Saisonnalité : passages moyens par jour (mois × jour de la semaine)", demo=demo, height=460)


# ------------------------------------------------------------------ sites

def site_options(cy: pd.DataFrame) -> dict[str, str]:
    """Counter site id -> name, in name order (for the page's counter control)."""
    names = cy.drop_duplicates("site_id").set_index("site_id")["site_name"]
    return dict(sorted(names.items(), key=lambda kv: str(kv[1]).casefold()))


def counts_origin(cy: pd.DataFrame, year: int | None = None) -> tuple[bool, bool]:
    """(demo, imported): where the counts shown come from, the one rule of the page's cards,
    charts, tables, exports and « À propos » note. The rows shown are the channel-years of `year`
    (None: every year) of `cy` (visits_channel_years rows). Those with passages say it by their
    own rows (`is_demo`: a generated row among them; a channel is not demonstration as a whole,
    staff may import into one). When none has a passage (a series that stopped before the year),
    what is shown is the channels' missing hours, which take the channels' own source
    (`channel_source`), as a gap's flag does. No channel-year at all: (False, False), nothing to
    attribute (a re-check tester's N3: a demonstration counter without a 2025 row was « comptages
    importés » on every card and note)."""
    shown = cy[cy["year"] == year] if year is not None and len(cy) else cy
    if not len(shown):
        return False, False
    counted = shown[shown["visits"].notna()] if "visits" in shown else shown
    rows = counted if len(counted) or "channel_source" not in shown else None
    # Unknown (no is_demo given): neither claimed.
    demo = (shown["channel_source"].eq(DEMO_SOURCE).astype("boolean") if rows is None
            else rows["is_demo"].astype("boolean") if "is_demo" in rows
            else pd.Series(pd.NA, index=rows.index, dtype="boolean"))
    return bool(demo.fillna(False).any()), bool((~demo).fillna(False).any())


def counts_source(demo: bool, imported: bool, generated: str = DEMO_SOURCE) -> str:
    """The source of the counts shown, from `counts_origin`: 'comptages importés', `generated`,
    both joined by ' ; ', or '' when nothing is shown (no source to claim)."""
    return " ; ".join(([IMPORTED_SOURCE] if imported else []) + ([generated] if demo else []))


def is_demo(cy: pd.DataFrame, year: int | None = None) -> bool:
    """Whether the counts shown hold demonstration rows (`counts_origin`, in `year` if given)."""
    return counts_origin(cy, year)[0]


def select_channels(cy: pd.DataFrame, site: str | None = None, mode: str | None = None) -> pd.DataFrame:
    out = cy
    if site:
        out = out[out["site_id"] == site]
    if mode:
        out = out[out["mobility_type"] == mode]
    return out


def years(cy: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in cy["year"].dropna().unique())


SITE_LABELS = {
    "site_name": "Compteur",
    "park": "Site de la Chaîne des parcs",
    "commune": "Commune",
    "epci": "Agglomération",
    "PEDESTRIAN": "Piétons",
    "BIKE": "Vélos",
    "total": "Total des passages",
    "missing_hours": "Heures manquantes",
    "completeness": "Complétude (%)",
    "source": "Source",
    "site_id": "Identifiant",
}


def by_site(cy: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per counter site for `year`: visits by mode, total, missing hours, completeness and
    the source of its counts (`counts_source`, the page's rule, site by site)."""
    rows = cy[cy["year"] == year]
    if rows.empty:
        return pd.DataFrame(columns=list(SITE_LABELS))
    keys = ["site_id", "site_name", "park", "commune", "epci"]
    # groupby + unstack, not pivot_table(dropna=False): that one builds the product of every key level.
    g = rows.groupby(keys + ["mobility_type"], dropna=False)
    wide = g["visits"].sum(min_count=1).unstack("mobility_type")
    wide.columns.name = None
    hours = rows.groupby(keys, dropna=False)[["missing_hours", "hours"]].sum()
    out = wide.join(hours).reset_index()
    modes = [m for m in ("PEDESTRIAN", "BIKE") if m in out.columns]
    out["total"] = out[modes].sum(axis=1, min_count=1) if modes else np.nan
    out["completeness"] = (1 - out["missing_hours"] / out["hours"].where(out["hours"] > 0)) * 100
    out["source"] = [counts_source(*counts_origin(rows[rows["site_id"] == site])) for site in out["site_id"]]
    return out.sort_values("total", ascending=False, na_position="last").reset_index(drop=True)


def by_site_figure(sites: pd.DataFrame, year: int | None, top: int = 15, demo: bool = True) -> go.Figure:
    """The counters with the most visits in the year, split by mode."""
    d = sites.head(top).iloc[::-1]
    fig = go.Figure()
    for mode in ("PEDESTRIAN", "BIKE"):
        if mode in d.columns:
            fig.add_bar(y=[text(n) for n in d["site_name"]], x=d[mode], orientation="h", name=MODE_LABELS[mode],
                        marker_color=MODE_COLORS[mode],
                        hovertemplate=f"%{{y}}<br>{MODE_LABELS[mode]} : %{{x:,.0f}} passages<extra></extra>")
    fig.update_layout(barmode="stack", xaxis=dict(title=f"Passages comptés en {year}", tickformat=",d"),
                      yaxis_title="")
    return style(fig, f"Passages par compteur et par mode, {year}", demo=demo,
                 height=max(320, 28 * len(d) + 140))


# ------------------------------------------------------------------ KPI cards

def partial_year_end(cy: pd.DataFrame, year: int | None):
    """The last day counted when `year` is the current, incomplete year of the counters (a
    datetime.date before 31 December), else None (`cy`: visits_channel_years rows)."""
    if year is None or cy.empty or "to_date" not in cy or cy["to_date"].isna().all():
        return None
    last = pd.Timestamp(cy["to_date"].dropna().iloc[0])
    return last.date() if last.year == year and (last.month, last.day) != (12, 31) else None


def same_days(cy: pd.DataFrame, year: int | None) -> tuple[float | None, float | None, int]:
    """The sums the change of counted passages compares: (passages of `year`, passages of the
    year before, channels) on the days both years counted in full, channel by channel
    (visits_channel_years' compared_visits and compared_previous, from the view counter_same_days);
    (None, None, 0) when no day compares. The same-period chart ends on these two sums."""
    if year is None or cy.empty or "compared_days" not in cy:
        return None, None, 0
    rows = cy[(cy["year"] == year) & (cy["compared_days"] > 0)]
    if rows.empty:
        return None, None, 0
    return float(rows["compared_visits"].sum()), float(rows["compared_previous"].sum()), int(rows["channel_id"].nunique())


def constant_perimeter_change(cy: pd.DataFrame, year: int | None) -> tuple[float | None, int]:
    """The change of counted passages against the year before — the one definition the
    overview, this page and the forum screen show: over the days each channel counted in full
    in both years, on the same calendar dates (a counter installed during a year, out of order
    for a week or stopped in May is compared on the days it counted both years, never read as
    growth or as a fall), with the number of such channels.

    The current, incomplete year (`partial_year_end`) is thus compared with the same days of the
    year before, never a partial year with a full one; 29 February has no counterpart, so a
    leap year and its neighbour are compared on 365 days each (`leap_day_left_out`).

    `cy`: visits_channel_years rows (channel_id, year, compared_visits, compared_previous,
    compared_days)."""
    cur, prev, n = same_days(cy, year)
    if not n:
        return None, 0
    return fmt.change(cur, prev), n


def period_text(cy: pd.DataFrame, year: int | None) -> int | str | None:
    """The period of the cards: the year, or for the current, incomplete year
    '1er janvier – 15 juin 2024 (mêmes jours en 2023)' (a card's change line is too short
    for it: it says 'par rapport à 2023' and the card's caption says which days); a year
    whose change leaves 29 February out says so: '2024 (évolution hors 29 février)'."""
    end = partial_year_end(cy, year)
    leap = leap_day_left_out(cy, year)
    if end is None:
        return f"{year} (évolution hors 29 février)" if leap else year
    return f"1er janvier – {_day_month(end)} {year} (mêmes jours en {year - 1}{', hors 29 février' if leap else ''})"


def leap_day_left_out(cy: pd.DataFrame, year: int | None):
    """The 29 February the change of `year` against the year before leaves out (a datetime.date),
    or None: counter_same_days pairs the same calendar dates of both years, and 29 February, in
    `year` or the year before, has no counterpart in the other (two years in a row are never both
    leap years). Only when the change is made and the period reaches 29 February (the whole year,
    or the current year counted past it)."""
    if year is None or not same_days(cy, year)[2]:
        return None
    end = partial_year_end(cy, year)
    for y in (year, year - 1):
        if calendar.isleap(y) and (end is None or (end.month, end.day) >= (2, 29)):
            return date(y, 2, 29)
    return None


def leap_day_note(cy: pd.DataFrame, year: int | None) -> str:
    """' Le 29 février 2024 n'est pas compté : 2023 n'en a pas.' when leap_day_left_out, else ''."""
    leap = leap_day_left_out(cy, year)
    if leap is None:
        return ""
    other = year - 1 if leap.year == year else year
    return f" Le {fmt.day(leap)} n'est pas compté : {other} n'en a pas."


def same_days_text(cy: pd.DataFrame, year: int | None) -> str:
    """' Évolution sur les mêmes jours : 78 650 passages en 2025 contre 74 000 en 2024, les jours
    comptés en entier les deux années par 2 canaux.' — the card's compared sums ('' when none)."""
    cur, prev, n = same_days(cy, year)
    if not n:
        return ""
    return (f" Évolution sur les mêmes jours : {fmt.number(cur)} passages en {year} contre {fmt.number(prev)} "
            f"en {year - 1}, les jours comptés en entier les deux années par {fmt.number(n)} "
            f"{'canaux' if n > 1 else 'canal'} de comptage.")


def _day_month(d) -> str:
    return f"{d.day}{'er' if d.day == 1 else ''} {MONTHS_LONG[d.month - 1]}"


def same_period_figure(pairs: pd.DataFrame, cy: pd.DataFrame, year: int) -> go.Figure | None:
    """Passages added up from 1 January, day by day, in `year` and on the same dates of the year
    before, over the days of the card's change (counter_same_days: each channel's days counted
    in full both years), to the last day counted; None when `year` is complete or no day
    compares. The two curves end on the sums the card compares (`same_days`).

    `pairs`: visits_same_days rows (channel_id, day, year, visits, previous_visits, is_demo), kept
    to the channels of `cy`; the chart is marked as demonstration when one of the rows it adds
    up is generated (its own rows, not its channels')."""
    end = partial_year_end(cy, year)
    if end is None or not same_days(cy, year)[2]:
        return None
    chans = set(cy.loc[(cy["year"] == year) & (cy["compared_days"] > 0), "channel_id"])
    d = pairs[(pairs["year"] == year) & pairs["channel_id"].isin(chans)].assign(day=lambda x: pd.to_datetime(x["day"]))
    demo = bool(d["is_demo"].fillna(False).any()) if "is_demo" in d else False
    per_day = d.groupby("day")[["previous_visits", "visits"]].sum().cumsum()
    fig = go.Figure()
    for col, y, color, dash in (("previous_visits", year - 1, PALETTE[5], "dot"), ("visits", year, PALETTE[0], "solid")):
        # Drawn on the calendar of `year` so that the same days sit one above the other.
        fig.add_scatter(x=list(per_day.index), y=per_day[col].to_numpy(), name=str(y), mode="lines",
                        line=dict(color=color, width=2.5, dash=dash),
                        hovertemplate=f"{y} · %{{x|%d/%m}} : %{{y:,.0f}} passages depuis le 1er janvier"
                                      "<extra></extra>")
    fig.update_layout(yaxis=dict(title="Passages depuis le 1er janvier", rangemode="tozero", tickformat=",d"),
                      legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    french_date_axis(fig, pd.Timestamp(year, 1, 1), pd.Timestamp(end), title="")
    n = len(chans)
    return style(fig, f"Depuis le 1er janvier : {year} et les mêmes jours de {year - 1} "
                      f"({n} {'canaux' if n > 1 else 'canal'}, jours comptés en entier les deux années)",
                 demo=demo, height=380)


def area_label(communes: pd.DataFrame, epci: str | None, commune: str | None) -> str:
    if commune:
        names = communes.loc[communes["code"] == commune, "name"]
        return f"{names.iloc[0]} ({commune})" if len(names) else commune
    return epci or PMA_LABEL


def kpis(cy: pd.DataFrame, year: int | None, indicators: pd.DataFrame, parks: pd.DataFrame,
         area: str, mode: str | None = None) -> list[Kpi]:
    """Counters (demo) for the selection and year, then the report's figures on the Chaîne des parcs.

    `cy` holds the channels of the selected area and counter; `mode` restricts every counter
    card but the bike share, which needs both modes."""
    both = cy[cy["year"] == year]
    cy = select_channels(cy, mode=mode)
    rows = cy[cy["year"] == year]
    demo, imported = counts_origin(cy, year)
    src = counts_source(demo, imported)
    visits = rows["visits"].sum(min_count=1) if len(rows) else None
    change, n = constant_perimeter_change(cy, year)
    bike = both.loc[both["mobility_type"] == "BIKE", "visits"].sum(min_count=1) if len(both) else None
    all_modes = both["visits"].sum(min_count=1) if len(both) else None
    missing = rows["missing_hours"].sum() if len(rows) else None
    hours = rows["hours"].sum() if len(rows) else None
    cards = [
        Kpi(label=f"Passages comptés{' (' + MODE_LABELS.get(mode, mode).lower() + ')' if mode else ''}",
            value=fmt.number(visits), year=period_text(cy, year), source=src, demo=demo,
            delta=None if change is None else
            f"{_signed(fmt.signed_percent(change))} par rapport à {year - 1}",
            good_direction="up",
            help=(f"{area}." + (f" Année en cours : passages du 1er janvier au {fmt.day(partial_year_end(cy, year))}, "
                                f"comparés aux mêmes jours de {year - 1}."
                                if partial_year_end(cy, year) else "")
                  + same_days_text(cy, year) + leap_day_note(cy, year))),
        Kpi(label="Part des vélos", value=fmt.percent(None if fmt.is_missing(all_modes) or not all_modes
                                                      or fmt.is_missing(bike) else bike / all_modes),
            year=year, source=src, demo=demo),
        Kpi(label="Heures manquantes", value=fmt.percent(None if not hours else missing / hours, 2),
            year=year, source=src, demo=demo,
            help=f"{anomalies.count_text(missing, 'heure')} sans mesure sur {fmt.number(hours)}"
                 + {0: ".", 1: " : elle n'est pas comptée comme un zéro."}.get(
                     int(missing), " : elles ne sont pas comptées comme des zéros.") if hours else None),
        # A counter that sent nothing all year is in `rows` for its missing hours, not active.
        Kpi(label="Compteurs actifs", value=fmt.number(
            rows.loc[rows["months"] > 0 if "months" in rows else rows.index, "site_id"].nunique() if len(rows) else None),
            year=year, source=src, demo=demo),
    ]
    ind = indicators.set_index("id") if "id" in indicators else pd.DataFrame()
    # Short labels and values so that the cards stay readable on a laptop screen.
    short = {"parcs_ha": ("Hectares de parcs", None), "voies_vertes_km": ("Voies vertes", None),
             "parc_en_fete_visiteurs": ("Visiteurs de Parc en fête", "")}
    for key, (label, unit) in short.items():
        if key in ind.index:
            row = ind.loc[key].to_dict()
            card = from_indicator(row if unit is None else row | {"unit": unit})
            cards.append(replace(card, label=label, help=row.get("label") + (
                f" — {row['note']}" if not fmt.is_missing(row.get("note")) else "")))
    report = " ; ".join(sorted(parks["source"].dropna().unique())) or DEMO_SOURCE
    cards.append(Kpi(label="Sites cités par le rapport", value=fmt.number(len(parks)),
                     year=2023, source=report, demo=DEMO_SOURCE in report,
                     help="Sites de la Chaîne des parcs nommés dans le rapport d'activité 2023 (liste ci-dessous)."))
    return cards


def _signed(text: str) -> str:
    """st.metric reads the arrow from a leading ASCII '-': babel's '−' would show an up arrow."""
    return "-" + text[1:] if text.startswith("\u2212") else text


# ------------------------------------------------------------------ notes

def dataset_notes(cy: pd.DataFrame, parks: pd.DataFrame, year: int | None = None) -> list[dict]:
    """The « À propos des données » notes of /chaine-des-parcs. The counts' source and caveat
    follow the rows shown, by the page's rule (`counts_origin`: the chosen `year`'s channel-years,
    else every year): demonstration only when a demonstration row is among them, imported counts when
    an imported one is (t12g finding 6: imported counts were called demonstration)."""
    ys = years(cy)
    span = f"{ys[0]} à {ys[-1]}" if ys else fmt.MISSING
    demo, imported = counts_origin(cy, year)
    source = counts_source(demo, imported, DEMO_SOURCE + " (séries horaires générées)") or fmt.MISSING
    origin = ("le rapport ne publie pas de comptages : les compteurs et passages de démonstration sont "
              "générés (marqués « démonstration » partout où ils sont montrés)"
              + (", les autres sont importés ; " if imported else " ; ")) if demo else (
        "comptages importés au format « Schéma comptage des mobilités » ; " if imported else "")
    return [
        dict(title="Comptages de la Chaîne des parcs",
             source=source,
             vintage=span,
             rhythm="horaire ; import au format « Schéma comptage des mobilités » (sites, canaux, mesures)",
             caveats=origin + "une heure sans mesure reste manquante (jamais comptée "
                     "comme 0) ; une période dont toutes les heures manquent est une lacune sur le graphique, une "
                     "période dont une partie manque est marquée d'une croix ; un canal retiré ou remplacé, dont le "
                     "fichier des canaux déclare la fin (ended_at), n'est plus attendu après elle. Les totaux comparent des compteurs "
                     "installés à des dates différentes : l'évolution annuelle est calculée à périmètre constant."),
        dict(title="Sites, hectares et kilomètres de la Chaîne des parcs",
             source=" ; ".join(sorted(parks["source"].dropna().unique())) or fmt.MISSING,
             vintage="2023",
             rhythm="annuelle (rapport d'activité)",
             caveats="4 200 ha et 420 km sont les totaux du rapport ; les sites listés sont ceux que le "
                     "rapport nomme, positionnés par nos soins (position approximative), sans surface par site."),
    ]


PARK_LABELS = {
    "name": "Site",
    "kind": "Type",
    "commune": "Commune",
    "epci": "Agglomération",
    "area_ha": "Surface (ha)",
    "description": "Description",
    "source": "Source",
}


def parks_table(parks: pd.DataFrame, epci: str | None, commune: str | None) -> pd.DataFrame:
    if commune:
        return parks[parks["commune_code"] == commune]
    if epci:
        return parks[parks["epci"] == epci]
    return parks
