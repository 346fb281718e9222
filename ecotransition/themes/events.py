"""Événements page: the PMA's 2023-2024 calendar and any imported agenda, filtered by theme and place.

The events come from the activity report, staff imports and demonstration rows (their `source`):
participants stay missing (shown 'n.d.') when the source gives no count. Titles and places are
file-provided text: escape them wherever they are rendered (Markdown via the page helpers,
HTML-like plotly labels here).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt
from ecotransition.core.kpi import Kpi, from_indicator
from ecotransition.core.labels import DEMO_SOURCE, REPORT_SOURCE
from ecotransition.core.metrics import join_sources
from ecotransition.core.plotting import PALETTE, french_date_axis, style, text
from ecotransition.data.sql import load

MONTHS = fmt.MONTHS_SHORT

# Where an event took place, as the page groups them.
INSIDE, OUTSIDE, ONLINE, UNKNOWN = "Dans le territoire", "Hors du territoire", "En ligne", "Lieu non précisé"
LOCATIONS = [INSIDE, OUTSIDE, ONLINE, UNKNOWN]
LOCATION_COLORS = {INSIDE: PALETTE[2], OUTSIDE: PALETTE[0], ONLINE: PALETTE[4], UNKNOWN: "#999999"}
UPCOMING, TODAY, UNDER_WAY, PAST = "À venir", "Aujourd'hui", "En cours", "Passé"


# The place groups of queries/macros.sql's event_location, in French.
LOCATION_CODES = {"inside": INSIDE, "outside": OUTSIDE, "online": ONLINE, "unknown": UNKNOWN}
_CODES = {label: code for code, label in LOCATION_CODES.items()}

# Rows of the table per page. Up to TIMELINE_MAX events the calendar draws each one as a bar
# and the participants chart every published count; above, the calendar counts events per
# theme and month and the chart shows the PARTICIPANTS_TOP largest: 89 000 bars took a first
# load of /evenements to 10.7 s, most of it in the browser.
PAGE_SIZE = 100
TIMELINE_MAX = 300
PARTICIPANTS_TOP = 40
# Places offered in the page's choice (the most frequent of the area and year); others are typed.
PLACES_SHOWN = 300


def selection(today: date, annee: int | None = None, epci: str | None = None, commune: str | None = None,
              themes=(), locations=(), place: str | None = None) -> dict:
    """The parameters of the events_* queries for a selection: the sidebar's year and area,
    the page's themes, place groups (French labels) and place; empty or None = all."""
    return dict(today=today, annee=int(annee) if annee else None, epci=epci or None, commune=commune or None,
                themes=tuple(themes) if themes else None,
                locations=tuple(_CODES[x] for x in locations) if locations else None, place=place or None)


def place_options(places: pd.DataFrame) -> tuple[str, ...]:
    """The place choices of an events_places result, in alphabetical order regardless of case."""
    return tuple(sorted(places["place"].tolist(), key=lambda p: (p.lower(), p)))


def places_help(places: pd.DataFrame) -> str | None:
    """Says when the choices are only the most frequent places (events_places' total `places`)."""
    total = int(places["places"].iloc[0]) if len(places) else 0
    if total <= len(places):
        return None
    return (f"Les {fmt.number(len(places))} lieux les plus fréquents sur {fmt.number(total)} ; "
            "tapez le nom exact d'un autre lieu pour le choisir.")


def args(query: str, sel: dict, **extra) -> dict:
    """The parameters of `sel` (and `extra`) that queries/<query>.sql names."""
    wanted = load(query).params
    return {k: v for k, v in {**sel, **extra}.items() if k in wanted}


def prepare(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of events_selection or events_participants with French place groups, the status
    against the query's $today ('À venir' when it starts after it, 'Aujourd'hui' when it starts that
    day, 'En cours' when it started before and ends on or after it, 'Passé') and dates as datetime.date. Vectorised:
    it may see a whole agenda (the export)."""
    ev = rows.copy()
    start = pd.to_datetime(ev["start_date"])
    ev["start_date"] = start.dt.date
    if "end_date" in ev:
        ev["end_date"] = pd.to_datetime(ev["end_date"]).fillna(start).dt.date
    ev["location"] = ev["location"].map(LOCATION_CODES)
    if "upcoming" in ev:
        ev["status"] = ev["upcoming"].map({True: UPCOMING, False: PAST})
        if "ahead" in ev:   # a festival that began yesterday is not « à venir » (a tester's t12i item)
            ev.loc[ev["upcoming"].astype(bool) & ~ev["ahead"].astype(bool), "status"] = UNDER_WAY
        if "today" in ev:   # nor is one that starts today (t12j finding 10)
            ev.loc[ev["upcoming"].astype(bool) & ev["today"].astype(bool), "status"] = TODAY
    return ev


ORIGIN_MAX = 4   # sources named one by one; beyond, the others are counted


def origin(sources) -> str:
    """The sources of the events counted, as their `source` column names them (the report, each
    import's file and day, 'démonstration'), each once: 'n.d.' when none is counted. Beyond
    ORIGIN_MAX, the report, 'démonstration' and the imports come first and the rest are counted
    (« et 296 autres sources ») — an agenda whose every event names its organiser filled every
    caption and help with 12 000 characters (a re-check tester's N3).

    `sources`: events_summary's ' ; '-joined `sources`, or any iterable of `source` values. The one
    wording of every events figure's source (this page's caption and cards, the overview's cards)."""
    values = [sources] if isinstance(sources, str) or fmt.is_missing(sources) else list(sources)
    parts = [p for p in join_sources(v for v in values if not fmt.is_missing(v)).split(" ; ") if p]
    if not parts:
        return fmt.MISSING
    if len(parts) <= ORIGIN_MAX:
        return " ; ".join(parts)
    first = sorted(parts, key=lambda p: (p != REPORT_SOURCE, p != DEMO_SOURCE, not p.startswith("Import ")))
    rest = len(parts) - (ORIGIN_MAX - 1)
    return " ; ".join(first[:ORIGIN_MAX - 1]) + f" ; et {fmt.number(rest)} autres sources (colonne « Source » de la liste)"


def count_help(sources, filtered: bool = True) -> str:
    """The help of an events count: what it counts and where those events come from (`origin`)."""
    return (f"Événements {'selon les filtres choisis' if filtered else 'recensés'} ; "
            f"source : {origin(sources)}.")


def starts_ahead(start, today: date):
    """Whether events starting on `start` (dates, or a Series of them) are next ones on `today`:
    they start on or after it. queries/macros.sql's event_ahead, for rows already read (the
    screen's slide); an event under way is not a next one."""
    return start >= today


def when(start, end) -> str:
    """'30 juin 2023' or 'du 1er juillet 2023 au 31 août 2023'."""
    if fmt.is_missing(end) or end == start:
        return fmt.day(start)
    return f"du {fmt.day(start)} au {fmt.day(end)}"


def short_day(d) -> str:
    """'15 déc. 2023': fits a metric card, where '15 décembre 2023' is cut off."""
    if fmt.is_missing(d):
        return fmt.MISSING
    d = pd.Timestamp(d)
    return f"{d.day}{'er' if d.day == 1 else ''} {MONTHS[d.month - 1]} {d.year}"


def pages(count: int, size: int = PAGE_SIZE) -> int:
    """Number of pages of the table (at least one)."""
    return max(1, -(-int(count) // size))


# ------------------------------------------------------------------ KPI cards

def kpis(summary: pd.DataFrame, year: int | None, indicators: pd.DataFrame, today: date) -> list[Kpi]:
    """Count, participants, inside/outside and next (or latest) event of the selection, from
    its one-row events_summary (computed in SQL, whatever the number of events)."""
    s = summary.iloc[0]
    n = int(s["events"])
    source = origin(s["sources"]) if n else fmt.MISSING
    demo = bool(s["is_demo"])
    span = str(year) if year else (f"{int(s['first_year'])}–{int(s['last_year'])}" if n else None)
    delta = None
    if year and not fmt.is_missing(s["previous_year_events"]):
        ch = fmt.change(n, int(s["previous_year_events"]))
        if ch is not None:
            delta = f"{_signed(fmt.signed_percent(ch))} par rapport à {year - 1}"
    known = int(s["with_participants"])
    total = s["participants"] if known else None
    inside_total = s["inside_participants"] if not fmt.is_missing(s["inside_participants"]) else None
    cards = [
        Kpi(label="Événements", value=fmt.number(n), year=span, source=source, demo=demo, delta=delta,
            good_direction=None,
            help=count_help(s["sources"] if n else None) if not year else
            f"Événements de {year} ; l'évolution compare au nombre d'événements de {year - 1} ; "
            f"source : {source}."),
        Kpi(label="Participants recensés", value=fmt.number(total), year=span, source=source, demo=demo,
            help=f"Somme des participants publiés pour {fmt.number(known)} événement(s) sur {fmt.number(n)} ; "
                 f"{fmt.number(n - known)} sans nombre publié (n.d.), non comptés comme zéro."),
        Kpi(label="Participants (territoire)", value=fmt.number(inside_total), year=span, source=source, demo=demo,
            help="Participants des événements tenus dans le territoire : hors salons extérieurs "
                 "(Vivatechnology, SIMI…), dont les visiteurs ne sont pas ceux du PMA."),
        Kpi(label="Dans le territoire / hors", value=f"{fmt.number(int(s['inside']))} / {fmt.number(int(s['outside']))}",
            year=span, source=source, demo=demo,
            help=f"{fmt.number(int(s['online']))} en ligne, {fmt.number(int(s['unknown']))} sans lieu précisé."),
    ]
    under_way = int(s["under_way"])
    now = (f" ; {fmt.number(under_way)} événement(s) en cours au {fmt.day(today)}, non comptés comme prochains"
           if under_way else "")
    if int(s["ahead"]):   # the next to start (event_ahead): one under way is not the next one
        d = s["next_date"]
        cards.append(Kpi(label="Prochain événement", value=short_day(d), year=pd.Timestamp(d).year,
                         source=s["next_source"], demo=s["next_source"] == DEMO_SOURCE,
                         help=f"{s['next_title']} — {fmt.day(d)}{now}"))
    elif n:
        d = s["latest_date"]
        cards.append(Kpi(label="Dernier événement", value=short_day(d), year=pd.Timestamp(d).year,
                         source=s["latest_source"], demo=s["latest_source"] == DEMO_SOURCE,
                         help=f"{s['latest_title']} — {fmt.day(d)} ; aucun événement à venir au "
                              f"{fmt.day(today)}{now}."))
    ind = indicators.set_index("id") if "id" in indicators else pd.DataFrame()
    for key, label in (("retombees_presse", "Retombées presse"), ("labels_euralens_total", "Projets labellisés Euralens")):
        if key in ind.index:
            row = ind.loc[key].to_dict()
            card = from_indicator(row)
            cards.append(Kpi(label=label, value=card.value, year=card.year, source=card.source, demo=card.demo,
                             delta=card.delta, good_direction=card.good_direction, target=card.target,
                             progress=card.progress, datasets=card.datasets,
                             help=row["label"] + (f" — {row['note']}" if not fmt.is_missing(row.get("note")) else "")))
    return cards


def _signed(text: str) -> str:
    """st.metric reads the arrow from a leading ASCII '-': babel's '−' would show an up arrow."""
    return "-" + text[1:] if text.startswith("\u2212") else text


# ------------------------------------------------------------------ figures

def _hover(e) -> str:
    place = text(e.place) if not fmt.is_missing(e.place) else "lieu non précisé"
    people = "n.d." if fmt.is_missing(e.participants) else fmt.number(e.participants)
    return (f"<b>{text(e.title)}</b><br>{text(when(e.start_date, e.end_date))}<br>{place}"
            f"<br>{text(e.theme)} · {e.location}<br>Participants : {people}")


def timeline_figure(ev: pd.DataFrame, today: date) -> go.Figure:
    """Each event as a bar from its first to its last day, one row per theme, coloured by place
    (a selection of at most TIMELINE_MAX events, from events_selection via prepare)."""
    fig = go.Figure()
    d = ev.sort_values("start_date")
    for loc in LOCATIONS:
        part = d[d["location"] == loc]
        if part.empty:
            continue
        start = pd.to_datetime(part["start_date"])
        # Bars on a date axis take their length in milliseconds; a one-day event lasts a full day.
        length = (pd.to_datetime(part["end_date"]) - start + pd.Timedelta(days=1)).dt.total_seconds() * 1000
        fig.add_bar(
            base=start, x=length, y=[text(t) for t in part["theme"]], orientation="h", name=loc,
            marker=dict(color=LOCATION_COLORS[loc], line=dict(color=LOCATION_COLORS[loc], width=3)),
            hovertext=[_hover(e) for e in part.itertuples()], hoverinfo="text",
        )
    lo = min(d["start_date"]) if len(d) else None
    hi = max(d["end_date"]) if len(d) else None
    _today_marker(fig, today, lo, hi)
    fig.update_layout(barmode="overlay", xaxis=dict(type="date"), yaxis=dict(title="", autorange="reversed"))
    if lo is not None:
        french_date_axis(fig, lo, hi)
    demo = bool((ev["source"] == DEMO_SOURCE).any())
    return style(fig, "Calendrier des événements par thème", demo=demo,
                 height=max(320, 60 * ev["theme"].nunique() + 140))


def _today_marker(fig: go.Figure, today: date, lo, hi) -> None:
    if lo is not None and lo <= today <= hi:
        fig.add_shape(type="line", x0=today, x1=today, y0=0, y1=1, yref="paper",
                      line=dict(color="#000000", dash="dash"))
        fig.add_annotation(x=today, y=1, yref="paper", text="Aujourd'hui", showarrow=False, yanchor="bottom")


def calendar_figure(months: pd.DataFrame, today: date) -> go.Figure:
    """The calendar of a large selection: events per theme and month (events_calendar), one
    cell per theme and month however many events there are."""
    m = months.assign(month=pd.to_datetime(months["month"]))
    grid = m.pivot_table(index="theme", columns="month", values="events", aggfunc="sum")
    grid = grid.reindex(sorted(grid.index, key=str.casefold))
    cols = pd.date_range(grid.columns.min(), grid.columns.max(), freq="MS") if len(grid.columns) else []
    grid = grid.reindex(columns=cols)
    # A month without an event is empty, not a cell at 0: 0 would read as "counted, none".
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=list(grid.columns), y=[text(t) for t in grid.index],
        colorscale="Blues", colorbar=dict(title="Événements"), xgap=1, ygap=1,
        hovertemplate="%{y} · %{x|%m/%Y} : %{z} événement(s)<extra></extra>",
    ))
    if len(cols):
        _today_marker(fig, today, cols[0].date(), (cols[-1] + pd.offsets.MonthEnd(0)).date())
        french_date_axis(fig, cols[0], cols[-1])
    fig.update_layout(yaxis=dict(title="", autorange="reversed"), xaxis=dict(type="date"))
    return style(fig, "Calendrier des événements par thème (nombre par mois)", demo=bool(months["is_demo"].any()),
                 height=max(320, 34 * len(grid.index) + 160))


def monthly_figure(months: pd.DataFrame) -> go.Figure:
    """Number of events starting each month, stacked by theme (events_calendar's rows)."""
    counts = months.assign(month=pd.to_datetime(months["month"]))
    fig = go.Figure()
    for i, (theme, part) in enumerate(counts.groupby("theme", sort=True)):
        fig.add_bar(x=part["month"], y=part["events"], name=text(theme), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{fullData.name} : %{y} événement(s)<extra></extra>")
    per_month = counts.groupby("month")["events"].sum()
    fig.update_layout(barmode="stack", xaxis=dict(type="date"),
                      yaxis=dict(title="Événements", dtick=1 if len(per_month) and per_month.max() <= 12 else None))
    if len(counts):
        french_date_axis(fig, counts["month"].min(), counts["month"].max())
    style(fig, "Événements par mois", demo=bool(months["is_demo"].any()) if len(months) else False, height=420)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0))
    return fig


def no_participants_text(n: int) -> str:
    """What /evenements says instead of the participants chart when none of the `n` events
    selected has a published number (an empty log axis read as a chart of nothing, and a missing
    number is never a 0)."""
    if n == 1:
        return ("L'événement sélectionné n'a pas de nombre de participants publié (n.d.) : "
                "pas de graphique des participants.")
    return (f"Aucun des {fmt.number(n)} événements sélectionnés n'a de nombre de participants publié (n.d.) : "
            "pas de graphique des participants.")


def participants_figure(ev: pd.DataFrame, known: int | None = None, missing: int | None = None) -> go.Figure:
    """Published participants per event (log scale: from 17 people to 150,000 visitors).

    `ev`: the events shown (prepared rows); `known`, `missing`: the selection's counts with and
    without a published number, when `ev` holds only the largest (events_participants)."""
    d = ev[ev["participants"].notna()].sort_values("participants")
    fig = go.Figure(go.Bar(
        x=d["participants"], y=[f"{text(t)} ({s.day:02d}/{s.month:02d}/{s.year})"
                                for t, s in zip(d["title"], d["start_date"])],
        orientation="h", marker_color=[LOCATION_COLORS[loc] for loc in d["location"]],
        hovertext=[_hover(e) for e in d.itertuples()], hoverinfo="text",
    ))
    missing = int(ev["participants"].isna().sum()) if missing is None else missing
    fig.update_layout(xaxis=dict(type="log", title="Participants (échelle logarithmique)", dtick=1,
                                 tickformat=",d"), yaxis_title="")
    if known is None or known <= len(d):
        title = f"Participants publiés ({len(d)} événements ; {missing} sans nombre : n.d.)"
    else:
        title = (f"Participants publiés : les {len(d)} événements les plus fréquentés sur {fmt.number(known)} "
                 f"chiffrés ; {fmt.number(missing)} sans nombre : n.d.")
    return style(fig, title, demo=bool((ev["source"] == DEMO_SOURCE).any()),
                 height=max(300, 26 * len(d) + 140))


# ------------------------------------------------------------------ table, list, notes

TABLE_LABELS = {
    "status": "Statut",
    "start_date": "Début",
    "end_date": "Fin",
    "title": "Événement",
    "theme": "Thème",
    "place": "Lieu",
    "commune": "Commune",
    "epci": "Agglomération",
    "location": "Localisation",
    "participants": "Participants",
    "description": "Description",
    "source": "Source",
}


STATUS_NOTES = {UPCOMING: " · *à venir*", TODAY: " · *aujourd'hui*", UNDER_WAY: " · *en cours*"}


def list_items(ev: pd.DataFrame, escape, limit: int = 8) -> list[str]:
    """Markdown lines for the first events of the ordered list; `escape` makes text literal."""
    lines = []
    for e in ev.head(limit).itertuples():
        people = "n.d." if fmt.is_missing(e.participants) else fmt.number(e.participants)
        place = escape(e.place) if not fmt.is_missing(e.place) else "lieu non précisé"
        lines.append(f"- **{escape(e.title)}** — {escape(when(e.start_date, e.end_date))} · {place} · "
                     f"{escape(e.theme)} · participants : {people}" + STATUS_NOTES.get(e.status, ""))
    return lines


def dataset_notes(summary: pd.DataFrame) -> list[dict]:
    """The note on the events table, from the events_summary of every event."""
    s = summary.iloc[0]
    n = int(s["events"])
    first, last = (int(s["first_year"]), int(s["last_year"])) if n else (None, None)
    return [dict(
        title="Événements",
        source=origin(s["sources"]) if n else fmt.MISSING,
        vintage=(f"{first}–{last}" if first != last else str(first)) if n else fmt.MISSING,
        rhythm="annuelle (rapport d'activité) ; la table peut être complétée par import",
        caveats=caveats(s["sources"] if n else None),
    )]


def caveats(sources) -> str:
    """The precautions of the events counted, one per origin among their `sources` (`origin`):
    the report's only when its events are there, any other source's (imports), demonstration's."""
    parts = origin(sources).split(" ; ")
    out = []
    if REPORT_SOURCE in parts:
        out.append("événements datés cités par le rapport 2023, dont les perspectives 2024 ; certaines dates "
                   "sont approximatives (« mi-juin 2024 », mois entier) et certains lieux non précisés ; les "
                   "participants ne sont indiqués que lorsque le rapport les chiffre (sinon n.d., jamais 0) et "
                   "mêlent publics différents (visiteurs d'un salon, élus, entreprises lauréates)")
    if any(p not in (REPORT_SOURCE, DEMO_SOURCE, fmt.MISSING) for p in parts):   # imports, a file's own source
        out.append("événements importés : titres, dates, lieux et participants tels que le fichier les donne "
                   "(participants vides = n.d., jamais 0)")
    if DEMO_SOURCE in parts:
        out.append("événements de démonstration, générés : à ne pas citer")
    return ". ".join(out) + "." if out else fmt.MISSING
