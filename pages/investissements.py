"""Investissements: industrial projects, their amounts and announced jobs."""

import streamlit as st

from ecotransition.core import compare
from ecotransition.core.kpi import datasets_of
from ecotransition.themes import investments as inv
from ecotransition.ui import store
from pages._ui import (
    coverage_notes, dataset_note, demo_notice, escape_md, freshness_notes, kpi_cards, number_column, selection, shared_table,
    table_with_export, theme_trajectories,
)

sel = selection()
all_projects = store.query("investments_list", epci=sel.epci, commune=sel.commune)
projects = store.shared(inv.filter_year, all_projects, sel.annee)
indicators = store.query("indicators_latest", theme="Investissements")

st.title("Investissements et emplois")
st.caption(f"{sel.label} · "
           + (f"projets annoncés en {sel.annee}" if sel.annee else "tous les projets recensés depuis 2020")
           + " · montants connus seulement : le rapport d'activité 2023 ne publie aucun montant par projet")
demo_notice(bool(projects["is_demo"].any()))

kpi_cards(store.shared(inv.project_kpis, projects, sel.label), columns=3)
st.caption("Chiffres publiés par le rapport d'activité 2023, pour l'ensemble du Pôle métropolitain :")
report = store.shared(inv.report_kpis, indicators)
kpi_cards(report, columns=3)
freshness_notes(*datasets_of(report))   # the report's figures are the indicators': late or not

theme_trajectories("Investissements", sel)

st.subheader("Montants et emplois")
# One breakdown at a time, kept in the URL: tabs would draw all four charts on every visit.
by_label = st.segmented_control("Répartition par", list(inv.BY_LABEL), default=inv.DIMENSIONS["sector"],
                                required=True, key="repartition", bind="query-params")
dim = inv.BY_LABEL[by_label]
st.plotly_chart(store.shared(inv.breakdown_figure, store.shared(inv.breakdown, projects, dim), dim), key="inv-breakdown")

st.subheader("Carte des projets")
communes_geo = store.query("communes_geo")
st.plotly_chart(store.shared(inv.map_figure, projects, communes_geo,
                             store.shared(inv.selected_codes, communes_geo, sel.epci, sel.commune)), key="inv-map")
st.page_link("pages/carte.py", label="Ouvrir la carte interactive (couche investissements)", icon=":material/map:",
             query_params=inv.map_link_params(sel.epci, sel.commune, sel.annee))

st.subheader("Comparaison par habitant")
comp = store.shared(compare.per_inhabitant, store.query("metrics_investments"), store.query("communes_list", epci=None),
                    sel, None, compare.INVESTMENT_METRICS)
st.caption("Projets recensés depuis 2020, toutes années d'annonce, rapportés à la population municipale "
           f"INSEE ; la sélection face à l'ensemble du Pôle métropolitain (PMA). "
           f"Sources — {escape_md(compare.sources(comp))}.")
table = store.shared(compare.table, comp)
shared_table(table, hide_index=True, column_config={col: number_column(col, 1) for col in table.columns[2:]})
coverage_notes(store.shared(compare.coverage_notes, comp))

st.subheader(f"Liste des projets ({len(projects)})")
table_with_export(
    store.shared(inv.table, projects), inv.TABLE_LABELS,
    {
        "announced_year": st.column_config.NumberColumn("Année d'annonce", format="%d"),
        "amount_meur": number_column("Montant (M€)", 0, help="Vide : montant non publié (n.d.), pas 0 €"),
        "jobs": number_column("Emplois annoncés", help="Vide : nombre d'emplois non publié"),
    },
    basename="investissements_projets" + (f"_{sel.annee}" if sel.annee else ""), key="inv-table",
)
dataset_note(**inv.dataset_note(projects))
