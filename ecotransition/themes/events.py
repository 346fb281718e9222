"""Événements page: the PMA's 2023-2024 calendar, filtered by theme and place.

The events come from the activity report: participants stay missing (shown 'n.d.')
when the report gives no count. Titles and places are file-provided text: escape them
wherever they are rendered (Markdown via the page helpers, HTML-like plotly labels here).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt
from ecotransition.core.kpi import Kpi, from_indicator
from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.core.plotting import PALETTE, french_date_axis, style, text

MONTHS = fmt.MONTHS_SHORT

# Where an event took place, as the page groups them.
INSIDE, OUTSIDE, ONLINE, UNKNOWN = "Dans le territoire", "Hors du territoire", "En ligne", "Lieu non précisé"
LOCATIONS = [INSIDE, OUTSIDE, ONLINE, UNKNOWN]
LOCATION_COLORS = {INSIDE: PALETTE[2], OUTSIDE: PALETTE[0], ONLINE: PALETTE[4], UNKNOWN: "#999999"}
UPCOMING, PAST = "À venir", "Passé"


def location(row) -> str:
    """Inside, outside, online or unknown.

    A commune code means inside. Events held along the Chaîne des parcs (a trail, a bike
    tour) have no single commune but are inside too; a place with no code and no link to
    the Chaîne is outside; no place and no point means the report does not say.
    """
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    place = get("place")
    place = "" if fmt.is_missing(place) else str(place)
    if not fmt.is_missing(get("commune_code")) or place.startswith("Chaîne des parcs"):
        return INSIDE
    if place.lower().startswith("en ligne"):
        return ONLINE
    if place or not fmt.is_missing(get("lat")):
        return OUTSIDE
    return UNKNOWN


def prepare(events: pd.DataFrame, today: date) -> pd.DataFrame:
    """Add the location group, the status against `today` and French date labels."""
    ev = events.copy()
    start = pd.to_datetime(ev["start_date"])
    end = pd.to_datetime(ev["end_date"]).fillna(start)
    ev["start_date"] = [d.date() for d in start]
    ev["end_date"] = [d.date() for d in end]
    ev["location"] = [location(r) for r in ev.to_dict("records")]
    ev["status"] = [UPCOMING if e >= today else PAST for e in ev["end_date"]]
    ev["when"] = [when(s, e) for s, e in zip(ev["start_date"], ev["end_date"])]
    ev["year"] = [s.year for s in ev["start_date"]]
    return ev


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


def themes(events: pd.DataFrame) -> list[str]:
    return sorted(events["theme"].dropna().unique(), key=str.casefold)


def places(events: pd.DataFrame) -> list[str]:
    return sorted(events["place"].dropna().unique(), key=str.casefold)


def select(ev: pd.DataFrame, epci: str | None = None, commune: str | None = None,
           themes: list[str] | None = None, locations: list[str] | None = None,
           place: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Events matching the sidebar area and year and the page's theme and place controls."""
    out = ev
    if year:
        out = out[out["year"] == int(year)]
    if commune:
        out = out[out["commune_code"] == commune]
    elif epci:
        out = out[out["epci"] == epci]
    if themes:
        out = out[out["theme"].isin(themes)]
    if locations:
        out = out[out["location"].isin(locations)]
    if place:
        out = out[out["place"] == place]
    return out


def ordered(ev: pd.DataFrame) -> pd.DataFrame:
    """Upcoming events first (soonest first), then past events (most recent first)."""
    up = ev[ev["status"] == UPCOMING].sort_values(["start_date", "title"])
    past = ev[ev["status"] == PAST].sort_values(["start_date", "title"], ascending=[False, True])
    return pd.concat([up, past]).reset_index(drop=True)


# ------------------------------------------------------------------ KPI cards

def kpis(ev: pd.DataFrame, all_years: pd.DataFrame, year: int | None, indicators: pd.DataFrame,
         today: date) -> list[Kpi]:
    """Count, participants, inside/outside and next (or latest) event of the selection.

    `ev` is the selection shown; `all_years` the same selection without the year filter
    (for the change against the previous year)."""
    source = " ; ".join(sorted(ev["source"].dropna().unique())) or fmt.MISSING
    demo = DEMO_SOURCE in source
    span = str(year) if year else (f"{min(ev['year'])}–{max(ev['year'])}" if len(ev) else None)
    delta = None
    if year:
        n, prev = (all_years["year"] == year).sum(), (all_years["year"] == year - 1).sum()
        ch = fmt.change(n, prev)
        if ch is not None:
            delta = f"{_signed(fmt.signed_percent(ch))} par rapport à {year - 1}"
    known = ev["participants"].notna()
    total = ev.loc[known, "participants"].sum() if known.any() else None
    inside = ev[ev["location"] == INSIDE]
    inside_known = inside["participants"].notna()
    cards = [
        Kpi(label="Événements", value=fmt.number(len(ev)), year=span, source=source, demo=demo, delta=delta,
            good_direction=None,
            help="Événements datés du rapport, selon les filtres choisis." if not year else
            f"Événements de {year} ; l'évolution compare au nombre d'événements de {year - 1}."),
        Kpi(label="Participants recensés", value=fmt.number(total), year=span, source=source, demo=demo,
            help=f"Somme des participants publiés pour {int(known.sum())} événement(s) sur {len(ev)} ; "
                 f"{int((~known).sum())} sans nombre publié (n.d.), non comptés comme zéro."),
        Kpi(label="Participants (territoire)",
            value=fmt.number(inside.loc[inside_known, "participants"].sum() if inside_known.any() else None),
            year=span, source=source, demo=demo,
            help="Participants des événements tenus dans le territoire : hors salons extérieurs "
                 "(Vivatechnology, SIMI…), dont les visiteurs ne sont pas ceux du PMA."),
        Kpi(label="Dans le territoire / hors", value=f"{len(inside)} / {int((ev['location'] == OUTSIDE).sum())}",
            year=span, source=source, demo=demo,
            help=f"{int((ev['location'] == ONLINE).sum())} en ligne, "
                 f"{int((ev['location'] == UNKNOWN).sum())} sans lieu précisé."),
    ]
    nxt = ev[ev["status"] == UPCOMING].sort_values("start_date")
    if len(nxt):
        e = nxt.iloc[0]
        cards.append(Kpi(label="Prochain événement", value=short_day(e["start_date"]), year=e["year"],
                         source=e["source"], demo=e["source"] == DEMO_SOURCE,
                         help=f"{e['title']} — {fmt.day(e['start_date'])}"))
    elif len(ev):
        e = ev.sort_values("start_date").iloc[-1]
        cards.append(Kpi(label="Dernier événement", value=short_day(e["start_date"]), year=e["year"],
                         source=e["source"], demo=e["source"] == DEMO_SOURCE,
                         help=f"{e['title']} — {fmt.day(e['start_date'])} ; aucun événement à venir au "
                              f"{fmt.day(today)}."))
    ind = indicators.set_index("id") if "id" in indicators else pd.DataFrame()
    for key, label in (("retombees_presse", "Retombées presse"), ("labels_euralens_total", "Projets labellisés Euralens")):
        if key in ind.index:
            row = ind.loc[key].to_dict()
            card = from_indicator(row)
            cards.append(Kpi(label=label, value=card.value, year=card.year, source=card.source, demo=card.demo,
                             delta=card.delta, good_direction=card.good_direction, target=card.target,
                             progress=card.progress,
                             help=row["label"] + (f" — {row['note']}" if not fmt.is_missing(row.get("note")) else "")))
    return cards


def _signed(text: str) -> str:
    """st.metric reads the arrow from a leading ASCII '-': babel's '−' would show an up arrow."""
    return "-" + text[1:] if text.startswith("\u2212") else text


# ------------------------------------------------------------------ figures

def _hover(e) -> str:
    place = text(e.place) if not fmt.is_missing(e.place) else "lieu non précisé"
    people = "n.d." if fmt.is_missing(e.participants) else fmt.number(e.participants)
    return (f"<b>{text(e.title)}</b><br>{text(e.when)}<br>{place}"
            f"<br>{text(e.theme)} · {e.location}<br>Participants : {people}")


def timeline_figure(ev: pd.DataFrame, today: date) -> go.Figure:
    """Each event as a bar from its first to its last day, one row per theme, coloured by place."""
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
    if lo is not None and lo <= today <= hi:
        fig.add_shape(type="line", x0=today, x1=today, y0=0, y1=1, yref="paper",
                      line=dict(color="#000000", dash="dash"))
        fig.add_annotation(x=today, y=1, yref="paper", text="Aujourd'hui", showarrow=False, yanchor="bottom")
    fig.update_layout(barmode="overlay", xaxis=dict(type="date"), yaxis=dict(title="", autorange="reversed"))
    if lo is not None:
        french_date_axis(fig, lo, hi)
    demo = bool((ev["source"] == DEMO_SOURCE).any())
    return style(fig, "Calendrier des événements par thème", demo=demo,
                 height=max(320, 60 * ev["theme"].nunique() + 140))


def monthly_figure(ev: pd.DataFrame) -> go.Figure:
    """Number of events starting each month, stacked by theme."""
    d = ev.assign(month=pd.to_datetime(ev["start_date"]).dt.to_period("M").dt.to_timestamp())
    counts = d.groupby(["month", "theme"]).size().rename("n").reset_index()
    fig = go.Figure()
    for i, (theme, part) in enumerate(counts.groupby("theme", sort=True)):
        fig.add_bar(x=part["month"], y=part["n"], name=text(theme), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{fullData.name} : %{y} événement(s)<extra></extra>")
    fig.update_layout(barmode="stack", yaxis=dict(title="Événements", dtick=1), xaxis=dict(type="date"))
    if len(d):
        french_date_axis(fig, d["month"].min(), d["month"].max())
    style(fig, "Événements par mois", demo=bool((ev["source"] == DEMO_SOURCE).any()), height=420)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0))
    return fig


def participants_figure(ev: pd.DataFrame) -> go.Figure:
    """Published participants per event (log scale: from 17 people to 150,000 visitors)."""
    d = ev[ev["participants"].notna()].sort_values("participants")
    fig = go.Figure(go.Bar(
        x=d["participants"], y=[f"{text(t)} ({s.day:02d}/{s.month:02d}/{s.year})"
                                for t, s in zip(d["title"], d["start_date"])],
        orientation="h", marker_color=[LOCATION_COLORS[loc] for loc in d["location"]],
        hovertext=[_hover(e) for e in d.itertuples()], hoverinfo="text",
    ))
    missing = int(ev["participants"].isna().sum())
    fig.update_layout(xaxis=dict(type="log", title="Participants (échelle logarithmique)", dtick=1,
                                 tickformat=",d"), yaxis_title="")
    title = f"Participants publiés ({len(d)} événements ; {missing} sans nombre : n.d.)"
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


def list_items(ev: pd.DataFrame, escape, limit: int = 8) -> list[str]:
    """Markdown lines for the first events of the ordered list; `escape` makes text literal."""
    lines = []
    for e in ev.head(limit).itertuples():
        people = "n.d." if fmt.is_missing(e.participants) else fmt.number(e.participants)
        place = escape(e.place) if not fmt.is_missing(e.place) else "lieu non précisé"
        lines.append(f"- **{escape(e.title)}** — {escape(e.when)} · {place} · {escape(e.theme)} · "
                     f"participants : {people}" + (" · *à venir*" if e.status == UPCOMING else ""))
    return lines


def dataset_notes(ev: pd.DataFrame) -> list[dict]:
    ys = sorted(ev["year"].unique()) if len(ev) else []
    return [dict(
        title="Événements",
        source=" ; ".join(sorted(ev["source"].dropna().unique())) or fmt.MISSING,
        vintage=f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else (str(ys[0]) if ys else fmt.MISSING),
        rhythm="annuelle (rapport d'activité) ; la table peut être complétée par import",
        caveats="événements datés cités par le rapport 2023, dont les perspectives 2024 ; certaines dates "
                "sont approximatives (« mi-juin 2024 », mois entier) et certains lieux non précisés ; les "
                "participants ne sont indiqués que lorsque le rapport les chiffre (sinon n.d., jamais 0) et "
                "mêlent publics différents (visiteurs d'un salon, élus, entreprises lauréates).",
    )]
