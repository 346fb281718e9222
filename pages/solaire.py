"""Solaire: PV uptake, rooftop potential and the solar cadastre."""

import streamlit as st

from ecotransition import overview as ov
from ecotransition import solar, store
from pages._ui import (
    dataset_notes, demo_notice, export_buttons, filters, kpi_cards, number_column, table_with_export,
)

st.title("Solaire photovoltaïque")
f = filters()
uptake = store.query("solar_uptake")
cadastre = store.query("cadastre_users")
indicators = store.query("indicators_latest", theme="Solaire")
year = solar.resolve_year(solar.years(uptake), f["annee"])
area = solar.area_label(uptake, f["epci"], f["commune"])
filtered = bool(f["epci"] or f["commune"])

st.caption(f"{area} · année {year if year is not None else 'n.d.'} · "
           "taux de valorisation = production de l'année ÷ potentiel de production des toitures")
demo_notice()
if year is not None and year not in solar.years(uptake):
    st.warning(f"Pas de données photovoltaïques pour {year} : les valeurs de l'année sont non disponibles (n.d.).")

totals = store.shared(solar.totals_by_year, store.shared(solar.scope, uptake, f["epci"], f["commune"]))
kpi_cards(store.shared(solar.kpis, totals, year, indicators, cadastre, area, filtered))

st.subheader("Sites, puissance et production")
choice = st.segmented_control("Mesure", list(solar.MEASURE_CHOICES), default="Production", required=True,
                              key="mesure", bind="query-params")
by_year = store.query("solar_by_year", epci=f["epci"], commune=f["commune"])
st.plotly_chart(store.shared(solar.production_figure, by_year, solar.MEASURE_CHOICES[choice], year))

st.subheader("Taux de valorisation du potentiel des toitures")
table = store.shared(solar.commune_table, uptake, year)
ranking_scope = f["epci"] or solar.PMA_LABEL
c1, c2 = st.columns([3, 2])
c1.plotly_chart(store.shared(solar.top_bottom_figure, solar.scope(table, f["epci"], None), highlight=f["commune"],
                              scope_label=ranking_scope, year=year))
c2.plotly_chart(store.shared(solar.uptake_trend_figure, uptake, f["epci"], f["commune"]))
if f["commune"]:
    st.caption(solar.rank_sentence(table, f["commune"], year))

st.subheader(f"Comparaison par habitant ({year})")
st.caption("La sélection comparée à l'ensemble du Pôle métropolitain (PMA), rapportée à la population "
           "municipale INSEE ; sans sélection, les trois agglomérations.")
comp = store.shared(ov.per_inhabitant, store.shared(solar.comparison_frame, uptake, year), f["epci"], f["commune"],
                    solar.COMPARISON_METRICS)
comp_table = store.shared(ov.comparison_table, comp)
st.dataframe(comp_table, hide_index=True,
             column_config={col: number_column(col, 1) for col in comp_table.columns[2:]}, placeholder="n.d.")
export_buttons(comp_table, f"solaire_comparaison_par_habitant_{year}", key="solaire-comparaison")
if filtered:
    kpi_cards(store.shared(solar.uptake_comparison_kpis, uptake, year, f["epci"], f["commune"], area))

st.subheader("Cadastre solaire")
st.plotly_chart(store.shared(solar.cadastre_figure, cadastre, solar.reported_cadastre_users(indicators)))

st.subheader(f"Tableau par commune ({year})")
table_with_export(
    solar.scope(table, f["epci"], f["commune"]), solar.TABLE_LABELS,
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
    basename=f"solaire_communes_{year}", key="solaire-table",
)
dataset_notes(solar.dataset_notes(uptake, cadastre))
