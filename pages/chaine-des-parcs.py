"""Chaîne des parcs: counted visits (gaps kept), seasonality, counters, events and the report's figures."""

import streamlit as st

from ecotransition.core import fmt, metrics
from ecotransition.core.kpi import datasets_of
from ecotransition.themes import parks
from ecotransition.ui import store
from pages._ui import (
    counter_flags, dataset_notes, date_column, demo_notice, escape_md, filters, freshness_notes, kpi_cards,
    table_with_export, url_selectbox,
)

st.title("Chaîne des parcs")
f = filters()
channel_years = store.query("visits_channel_years", epci=f["epci"], commune=f["commune"])
park_sites = store.query("park_sites_list")
indicators = store.query("indicators_latest", theme="Chaîne des parcs")
area = parks.area_label(store.query("communes_list", epci=None), f["epci"], f["commune"])
# The metric layer's year rule: the last year counted up to 31 December, as on the overview.
year = store.shared(metrics.resolve_year, store.query("metrics_visits"), "visits", f["annee"])

# Filled once the counter and mode are read: the heading says where the counts shown come from.
heading = st.container()

# The time step on a row of its own: beside the mode and the counter, « 12 mois glissants » was cut
# off at 1280 px (a segmented control does not wrap).
grain_label = st.segmented_control("Pas de temps", list(parks.GRAINS), default="Mois", required=True,
                                   key="pas", bind="query-params")
c2, c3 = st.columns([2, 3])
mode_label = c2.segmented_control("Mode", list(parks.MODES), default=None, key="mode", bind="query-params",
                                  help="Aucun mode choisi : piétons et vélos.")
sites = store.shared(parks.site_options, channel_years)
site = url_selectbox(c3, "Compteur", sites, "compteur", "Tous les compteurs")
grain, mode = parks.GRAINS[grain_label], parks.MODES.get(mode_label)
selected = store.shared(parks.select_channels, channel_years, site=site)
shown_channels = store.shared(parks.select_channels, selected, mode=mode)
# Demonstration by the rows shown (parks.counts_origin, as every card, chart, table and note of
# the page): the chosen counter and mode, a chosen year's own rows, else every year the series draws.
demo = store.shared(parks.is_demo, shown_channels, f["annee"])
with heading:
    st.caption(f"{area} · année {year if year else 'n.d.'}"
               + ("" if f["annee"] else " (dernière année complète)") + " · "
               f"comptages de passages{' (démonstration)' if demo else ''} et chiffres du rapport d'activité 2023")
    demo_notice(demo)

if channel_years.empty:
    st.warning("Aucun compteur de passages dans cette zone : seuls les chiffres du rapport sont affichés.")
cards = store.shared(parks.kpis, selected, year, indicators, park_sites, area, mode=mode)
kpi_cards(cards)
# Under the cards, as on the overview: the counters' date, then the report's cards (4 200 ha,
# 420 km…), late or not. Above them, two late notes pushed the first figure off a phone's screen.
freshness_notes("counter_measures", *(d for d in datasets_of(cards) if d != "counter_measures"))

# Anomaly flags of the area's channels; the chart, the totals and the table show those of the
# counter and mode chosen.
counters = counter_flags(f["epci"], f["commune"])
flags, daily = counters.flags, counters.daily
shown_flags = store.shared(parks.flags_of, flags, shown_channels)
year_flags = store.shared(parks.flags_of, flags, shown_channels, f["annee"]) if f["annee"] else shown_flags
flag_text = store.shared(parks.flags_summary, flags, daily, shown_channels, year)
st.caption(f"Anomalies des compteurs en {year if year else 'n.d.'} : " + escape_md(flag_text)
           + ("." if flag_text.startswith("aucun") else
              " — signalées sur le graphique et listées sous « Anomalies des compteurs ». "
              "Les totaux incluent ces jours : vérifiez-les avant de citer un chiffre."))

params = dict(epci=f["epci"], commune=f["commune"], site=site, mode=mode, annee=f["annee"])
rolling = grain == "rolling"
# A rolling total of the year's months needs the 11 months before them.
series_rows = store.query("visits_series", grain=parks.query_grain(grain),
                          **(params | {"annee": None} if rolling else params))
series = store.shared(parks.series_sources, store.shared(parks.series_table, series_rows, grain,
                                                         f["annee"] if rolling else None), shown_channels, grain)
events = store.shared(parks.events_for_area, store.query("events_list", annee=f["annee"]), f["epci"], f["commune"],
                      selected if site else None, counters.thresholds)
st.plotly_chart(store.shared(parks.series_figure, series, grain, events, shown_flags, demo=demo))
st.caption("Lacune : toutes les heures de la période manquent (rien n'est tracé, ce n'est pas un zéro). "
           f"Croix : plus de {fmt.percent(parks.INCOMPLETE_SHARE, 0)} des heures manquent, ou des jours de la période n'ont "
           "aucune mesure (début et fin de série) : le total est sous-estimé. "
           "Triangles et zones roses : événements de la table des événements ; pour un compteur choisi, "
           f"les fermetures de son site et au plus {parks.OTHER_EVENTS} autres événements proches (ceux des jours "
           "signalés d'abord), la légende comptant ceux qui ne sont pas tracés. Carrés et bandes de couleur "
           "au pied du graphique : anomalies des compteurs (survoler pour le détail).")
# Only the current, incomplete year has this chart: its days are not read for a complete one.
current = bool(year) and parks.partial_year_end(shown_channels, year) is not None
same_days = store.query("visits_same_days", epci=f["epci"], commune=f["commune"], year=year) if current else None
same_period = store.shared(parks.same_period_figure, same_days, shown_channels, year) if current else None
if same_period is not None:
    st.plotly_chart(same_period)
    st.caption("Année en cours : chaque courbe additionne les passages depuis le 1er janvier, sur les mêmes jours "
               "des deux années, chaque canal les jours qu'il a comptés en entier les deux années ; elles finissent "
               "sur les sommes que compare la carte « Passages comptés »."
               + escape_md(parks.same_days_text(shown_channels, year) + parks.leap_day_note(shown_channels, year)))
with st.expander("Tableau des passages par période"):
    labels = parks.series_labels(grain)
    table_with_export(
        series, labels, {"period": date_column(labels["period"])},
        basename=f"passages_{grain}", key="parcs-series", screen_only=["label"],
        french={"visits": 0, "missing_hours": 0, "hours": 0, "completeness": 1, "days": 0, "period_days": 0},
    )

st.subheader("Anomalies des compteurs")
st.caption((f"{f['annee']} : " if f["annee"] else "Toutes les années : ")
           + escape_md(store.shared(parks.flags_summary, flags, daily, shown_channels, f["annee"])) + ". "
           + escape_md(parks.rules_text(counters.thresholds)))
# Wrapped text: the detail and the source (simulated or imported) stay on the page at 1400 px.
table_with_export(year_flags, parks.FLAG_LABELS, {}, basename="anomalies_compteurs", key="parcs-flags",
                  french={"days": 0}, wrapped=["start", "end"])

st.plotly_chart(store.shared(parks.seasonality_figure, store.query("visits_seasonality", **params)))
by_site = store.shared(parks.by_site, shown_channels, year)
st.plotly_chart(store.shared(parks.by_site_figure, by_site, year, demo=store.shared(parks.is_demo, shown_channels, year)))

st.subheader(f"Passages par compteur ({year if year else 'n.d.'})")
table_with_export(
    by_site, parks.SITE_LABELS, {}, basename=f"passages_compteurs_{year}", key="parcs-sites",
    french={"PEDESTRIAN": 0, "BIKE": 0, "total": 0, "missing_hours": 0, "completeness": 1},
)

st.subheader("Sites de la Chaîne des parcs cités par le rapport")
table_with_export(store.shared(parks.parks_table, park_sites, f["epci"], f["commune"]), parks.PARK_LABELS, {},
                  basename="chaine_des_parcs_sites", key="parcs-list", french={"area_ha": 1})
dataset_notes(store.shared(parks.dataset_notes, shown_channels, park_sites, f["annee"]))
