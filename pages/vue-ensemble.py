"""Vue d'ensemble: the headline figures for elected officials, each with its year and source."""

import streamlit as st

from ecotransition.core import compare, metrics
from ecotransition.core.labels import DEMO_BADGE
from ecotransition.surfaces import overview as ov
from ecotransition.ui import store
from pages._ui import (
    counter_flags, coverage_notes, demo_notice, escape_md, export_buttons, freshness_notes, kpi_cards, number_column,
    selection, shared_table, theme_trajectories,
)

sel = selection()
params = dict(epci=sel.epci, commune=sel.commune)

solar_values = store.query("metrics_solar")
visits_values = store.query("metrics_visits")
investment_values = store.query("metrics_investments")
communes = store.query("communes_list", epci=None)
indicators = store.query("indicators_latest", theme=None)
territory = store.query("overview_territory", **params)
projects = store.query("investments_list", **params)
cadastre = store.query("overview_cadastre")
visits = store.query("overview_visits", **params)
events = store.query("overview_events", **params)

solar_year = store.shared(metrics.resolve_year, solar_values, "solar_uptake", sel.annee)
visits_year = store.shared(metrics.resolve_year, visits_values, "visits", sel.annee)
cadastre_year = sel.annee if sel.annee is not None else store.shared(ov.cadastre_default_year, cadastre)
events_year = sel.annee if sel.annee is not None else store.shared(ov.events_default_year, events)

st.title("Écotransition Artois — vue d'ensemble")
st.caption(f"{sel.label} · "
           + (f"année {sel.annee}" if sel.annee else "dernière année complète de chaque série")
           + " · chaque chiffre indique son année et sa source")

channel_years = store.query("visits_channel_years", **params)
cards = {
    "Territoire": store.shared(ov.territory_kpis, territory, indicators, sel),
    "Investissements": store.shared(ov.investment_kpis, projects, indicators, sel),
    "Solaire": store.shared(ov.solar_kpis, solar_values, communes, cadastre, solar_year, cadastre_year, sel),
    "Chaîne des parcs": store.shared(ov.parks_kpis, visits_values, communes,
                                      channel_years, indicators, visits_year, sel),
    "Événements": store.shared(ov.event_kpis, events, events_year, sel),
}
demo_notice(any(k.demo for ks in cards.values() for k in ks))

st.subheader("À retenir")
points = store.shared(ov.takeaways, solar_values, communes, visits, events, sel, solar_year, visits_year, events_year,
                      channel_years)
st.markdown("\n".join(
    f"- {escape_md(t.text)} *({escape_md(t.source)}"
    + (f" — {DEMO_BADGE}" if t.demo else "") + ")*"
    for t in points
) or "Pas assez de données pour la sélection.")

for theme, kpis in cards.items():
    st.subheader(theme)
    kpi_cards(kpis)
    if theme == "Chaîne des parcs" and visits_year:
        # The total includes the flagged days, as on /chaine-des-parcs: officials see how many.
        counters = counter_flags(sel.epci, sel.commune)
        st.caption(f"Anomalies des compteurs en {visits_year} : "
                   + escape_md(store.shared(ov.flags_text, counters.flags, counters.daily, channel_years, visits_year)))
    freshness_notes(*ov.THEME_DATASETS.get(theme, ()))

theme_trajectories(None, sel)

st.subheader(f"Comparaison par habitant ({solar_year})")
comp = store.shared(compare.per_inhabitant, (solar_values, investment_values), communes, sel, solar_year, compare.OVERVIEW_METRICS)
st.caption("La sélection comparée à l'ensemble du Pôle métropolitain (PMA), rapportée à la population "
           "municipale INSEE ; sans sélection, les trois agglomérations. Investissements et emplois : "
           f"projets recensés, cumul depuis 2020. Sources — {escape_md(compare.sources(comp))}.")
st.plotly_chart(store.shared(ov.comparison_figure, comp))
table = store.shared(compare.table, comp)
shared_table(
    table, hide_index=True,
    column_config={col: number_column(col, 1) for col in table.columns[2:]},
)
coverage_notes(store.shared(compare.coverage_notes, comp))
export_buttons(table, f"comparaison_par_habitant_{solar_year}", key="vue-comparaison")
