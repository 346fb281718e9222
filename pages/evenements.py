"""Événements: the PMA's calendar and any imported agenda, filtered by theme and place.

Counts, the calendar and the charts are aggregated in SQL (queries/events_*.sql) and the table
shows one page at a time (`page` in the URL), so a whole agenda (100 000 events) stays light."""

import streamlit as st

from ecotransition.core import clock, fmt
from ecotransition.core.kpi import datasets_of
from ecotransition.themes import events
from ecotransition.ui import store
from pages._ui import (
    dataset_notes, date_column, escape_md, filters, freshness_notes, kpi_cards, number_column, table_with_export,
)

st.title("Événements")
f = filters()
today = clock.today()   # the app's day (ECOTRANSITION_TODAY), as freshness judges it
indicators = store.query("indicators_latest", theme="Événements")

# Pills render their labels as Markdown: an imported theme stays text.
chosen_themes = st.pills("Thème", store.query("events_themes")["theme"].tolist(), selection_mode="multi",
                         key="theme", format_func=escape_md, bind="query-params",
                         help="Aucun thème choisi : tous les thèmes.")
c1, c2 = st.columns([3, 2])
chosen_locations = c1.pills("Localisation", events.LOCATIONS, selection_mode="multi", key="localisation",
                            bind="query-params")
# The most frequent places of the area and year only: a whole agenda names tens of thousands, and
# every option goes to every viewer (1.3 MB a view with 55 000). Any other place can be typed.
places = store.query("events_places", epci=f["epci"], commune=f["commune"], annee=f["annee"], limit=events.PLACES_SHOWN)
options = store.shared(events.place_options, places)
if st.query_params.get("lieu") and st.query_params["lieu"] not in options:   # a link to a place outside them
    options = (*options, st.query_params["lieu"])
place = c2.selectbox("Lieu", [None, *options], key="lieu", bind="query-params", accept_new_options=True,
                     format_func=lambda p: "Tous les lieux" if p is None else p, placeholder="Tous les lieux",
                     help=events.places_help(places))

sel = events.selection(today, f["annee"], f["epci"], f["commune"], chosen_themes, chosen_locations, place)
# A filter changed: the list starts again at page 1 (a page number left in the URL belongs to the
# selection before). A link opened keeps its page.
chosen = repr(sorted((k, v) for k, v in sel.items() if k != "today"))
if st.session_state.get("_evenements_selection") not in (None, chosen):
    st.session_state["page"] = 1
st.session_state["_evenements_selection"] = chosen


def rows(query: str, **extra):
    """Prepared rows of an events query for this selection."""
    return store.shared(events.prepare, store.query(query, **events.args(query, sel, **extra)))


summary = store.query("events_summary", **events.args("events_summary", sel))
n, known = int(summary["events"].iloc[0]), int(summary["with_participants"].iloc[0])
st.caption(f"{fmt.number(n)} événement(s) · {'année ' + str(f['annee']) if f['annee'] else 'toutes les années'}"
           f" · au {fmt.day(today)} · source : "
           + escape_md(events.origin(summary["sources"].iloc[0] if n else None)))   # file-provided text
# Three cards a row: at four, a date or « 200 articles » was cut to « 16 janv. … » at 1280 px.
cards = store.shared(events.kpis, summary, f["annee"], indicators, today)
kpi_cards(cards, columns=3)
freshness_notes(*datasets_of(cards))   # the indicators' cards (« Retombées presse »…) late or not

if n == 0:
    st.info("Aucun événement ne correspond à ces filtres.")
else:
    months = store.query("events_calendar", **events.args("events_calendar", sel))
    small = n <= events.TIMELINE_MAX
    if small:
        st.plotly_chart(store.shared(events.timeline_figure, rows("events_selection", limit=None, offset=0), today))
    else:
        # Counted per theme and month: it says what the monthly chart would, which is left out
        # (each chart costs the browser about a second to draw on this machine).
        st.plotly_chart(store.shared(events.calendar_figure, months, today))
    st.subheader("À venir puis les plus récents")
    st.markdown("\n".join(store.shared(events.list_items, rows("events_selection", limit=8, offset=0), escape_md)))
    if small:
        st.plotly_chart(store.shared(events.monthly_figure, months))
    if known:
        top = rows("events_participants", limit=events.PARTICIPANTS_TOP)
        st.plotly_chart(store.shared(events.participants_figure, top, known, n - known))
    else:
        st.info(events.no_participants_text(n))
    st.subheader("Tous les événements sélectionnés")
    count = events.pages(n)
    number = 1
    if count > 1:
        if not 1 <= st.session_state.get("page", 1) <= count:
            st.session_state["page"] = 1   # a narrower filter than the page asked for

        def turn(step: int) -> None:
            st.session_state["page"] = min(max(st.session_state.get("page", 1) + step, 1), count)

        b1, b2, b3 = st.columns([1, 1, 4], vertical_alignment="bottom")
        b1.button("Page précédente", on_click=turn, args=(-1,), disabled=st.session_state.get("page", 1) <= 1)
        b2.button("Page suivante", on_click=turn, args=(1,), disabled=st.session_state.get("page", 1) >= count)
        number = b3.number_input(f"Page (sur {fmt.number(count)})", min_value=1, max_value=count, step=1,
                                 key="page", bind="query-params")
        first = (number - 1) * events.PAGE_SIZE
        st.caption(f"Événements {fmt.number(first + 1)} à {fmt.number(min(first + events.PAGE_SIZE, n))} "
                   f"sur {fmt.number(n)} ; l'export contient toute la sélection.")
    table_with_export(
        rows("events_selection", limit=events.PAGE_SIZE, offset=(number - 1) * events.PAGE_SIZE),
        events.TABLE_LABELS,
        {"start_date": date_column("Début"), "end_date": date_column("Fin"),
         "participants": number_column("Participants", help="n.d. : le rapport ne donne pas de nombre")},
        basename="evenements", key="evenements-table",
        export_rows=lambda: events.prepare(store.query("events_selection",
                                                       **events.args("events_selection", sel, limit=None, offset=0))),
    )
everything = events.selection(today)
dataset_notes(store.shared(events.dataset_notes, store.query("events_summary", **events.args("events_summary", everything))))
