"""Événements: the 2023-2024 calendar of the PMA, filtered by theme and place."""

from datetime import date

import streamlit as st

from ecotransition.core import fmt
from ecotransition.themes import events
from ecotransition.ui import store
from pages._ui import dataset_notes, date_column, escape_md, filters, kpi_cards, number_column, table_with_export

st.title("Événements")
f = filters()
today = date.today()
every = store.shared(events.prepare, store.query("events_list", annee=None), today)
indicators = store.query("indicators_latest", theme="Événements")

# Pills render their labels as Markdown: an imported theme stays text.
chosen_themes = st.pills("Thème", events.themes(every), selection_mode="multi", key="theme", format_func=escape_md,
                         bind="query-params", help="Aucun thème choisi : tous les thèmes.")
c1, c2 = st.columns([3, 2])
chosen_locations = c1.pills("Localisation", events.LOCATIONS, selection_mode="multi", key="localisation",
                            bind="query-params")
place = c2.selectbox("Lieu", [None, *events.places(every)], key="lieu", bind="query-params",
                     format_func=lambda p: "Tous les lieux" if p is None else p, placeholder="Tous les lieux")

area = store.shared(events.select, every, f["epci"], f["commune"], chosen_themes, chosen_locations, place)
shown = store.shared(events.select, area, year=f["annee"])
st.caption(f"{len(shown)} événement(s) · {'année ' + str(f['annee']) if f['annee'] else 'toutes les années'}"
           f" · au {fmt.day(today)} · source : rapport d'activité 2023 du PMA")
kpi_cards(store.shared(events.kpis, shown, area, f["annee"], indicators, today))

if shown.empty:
    st.info("Aucun événement ne correspond à ces filtres.")
else:
    st.plotly_chart(store.shared(events.timeline_figure, shown, today))
    ordered = events.ordered(shown)
    st.subheader("À venir puis les plus récents")
    st.markdown("\n".join(events.list_items(ordered, escape_md)))
    st.plotly_chart(store.shared(events.monthly_figure, shown))
    st.plotly_chart(store.shared(events.participants_figure, shown))
    st.subheader("Tous les événements sélectionnés")
    table_with_export(
        ordered, events.TABLE_LABELS,
        {"start_date": date_column("Début"), "end_date": date_column("Fin"),
         "participants": number_column("Participants", help="n.d. : le rapport ne donne pas de nombre")},
        basename="evenements", key="evenements-table",
    )
dataset_notes(events.dataset_notes(every))
