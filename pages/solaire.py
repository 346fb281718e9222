"""Solaire: PV uptake, rooftop potential and the solar cadastre."""

import streamlit as st

from ecotransition.core import compare, metrics
from ecotransition.core.kpi import datasets_of
from ecotransition.core.labels import PMA_SHORT
from ecotransition.themes import solar
from ecotransition.ui import store
from pages._ui import (
    coverage_notes, dataset_notes, demo_notice, export_buttons, freshness_notes, kpi_cards, number_column,
    selection, shared_table, table_with_export, theme_trajectories,
)

st.title("Solaire photovoltaïque")
sel = selection()
values = store.query("metrics_solar")
communes = store.query("communes_list", epci=None)
cadastre = store.query("cadastre_users")
indicators = store.query("indicators_latest", theme="Solaire")
year = store.shared(metrics.resolve_year, values, "solar_uptake", sel.annee)

st.caption(f"{sel.label} · année {year if year is not None else 'n.d.'} · "
           "taux de valorisation = production de l'année ÷ potentiel de production des toitures, "
           "sur les communes où les deux sont connus")
cards = store.shared(solar.kpis, values, communes, sel, year, indicators, cadastre)
demo_notice(any(k.demo for k in cards))
if year is not None and year not in store.shared(metrics.years, values, "solar_uptake"):
    st.warning(f"Pas de données photovoltaïques pour {year} : les valeurs de l'année sont non disponibles (n.d.).")

kpi_cards(cards)
freshness_notes("solar_production", *datasets_of(cards))   # with the indicators' cards (potential, cadastre)

st.subheader("Sites, puissance et production")
choice = st.segmented_control("Mesure", list(solar.MEASURE_CHOICES), default="Production", required=True,
                              key="mesure", bind="query-params")
by_year = store.query("solar_by_year", epci=sel.epci, commune=sel.commune)
st.plotly_chart(store.shared(solar.production_figure, by_year, solar.MEASURE_CHOICES[choice], year))

st.subheader("Taux de valorisation du potentiel des toitures")
table = store.shared(solar.commune_table, values, communes, year)
in_epci = store.shared(solar.of_epci, table, sel.epci)
c1, c2 = st.columns([3, 2])
c1.plotly_chart(store.shared(solar.top_bottom_figure, in_epci, highlight=sel.commune,
                             scope_label=sel.epci or PMA_SHORT, year=year))
c2.plotly_chart(store.shared(solar.uptake_trend_figure, store.shared(solar.uptake_trend, values, communes, sel),
                             sel.epci))
if sel.commune:
    st.caption(solar.rank_sentence(table, sel.commune, year))

st.subheader(f"Comparaison par habitant ({year})")
st.caption("La sélection comparée à l'ensemble du Pôle métropolitain (PMA), rapportée à la population "
           "municipale INSEE ; sans sélection, les trois agglomérations.")
comp = store.shared(compare.per_inhabitant, values, communes, sel, year, compare.SOLAR_METRICS)
comp_table = store.shared(compare.table, comp)
shared_table(comp_table, hide_index=True,
             column_config={col: number_column(col, 1) for col in comp_table.columns[2:]}, placeholder="n.d.")
coverage_notes(store.shared(compare.coverage_notes, comp))
export_buttons(comp_table, f"solaire_comparaison_par_habitant_{year}", key="solaire-comparaison")
if sel.filtered:
    kpi_cards(store.shared(solar.comparison_kpis, values, communes, sel, year))

theme_trajectories("Solaire", sel)

st.subheader("Cadastre solaire")
freshness_notes("cadastre_usage")
st.plotly_chart(store.shared(solar.cadastre_figure, cadastre, store.shared(solar.reported_cadastre_users, indicators)))

st.subheader(f"Tableau par commune ({year})")
table_with_export(
    store.shared(solar.of_selection, table, communes, sel), solar.TABLE_LABELS,
    {
        "population": number_column("Habitants"),
        "sites": number_column("Sites PV"),
        "power_kw": number_column("Puissance (kWc)", 1),
        "energy_mwh": number_column("Production (MWh)", 1),
        "potential_mwh": number_column("Potentiel des toitures (MWh)"),
        "uptake": number_column("Taux de valorisation (%)", 2, help="Production ÷ potentiel des toitures"),
        "uptake_previous": number_column("Taux de l'année précédente (%)", 2),
        "uptake_change": number_column("Évolution (points)", 2),
        "kwh_per_inhabitant": number_column("Production par habitant (kWh)", 1),
        "rank": number_column("Rang dans le PMA"),
    },
    basename=f"solaire_communes_{year}", key="solaire-table", fiche_links=("commune", "commune_code"),
)
dataset_notes(store.shared(solar.dataset_notes, values, cadastre))
