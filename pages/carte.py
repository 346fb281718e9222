"""Carte: the communes coloured by an indicator, points of interest, and a commune's profile.

A click on a commune selects it in the shared `commune` filter (and so in the URL).
Moving the map never reruns the page: the map component only returns the last clicked object.
"""

import streamlit as st

from ecotransition.core import fmt
from ecotransition.surfaces import maps, offline
from ecotransition.ui import store
from pages._map import built_map, commune_panel, leaflet_map, locator, map_data, map_view
from pages._ui import (
    demo_notice, escape_md, export_buttons, filters, freshness_notes, shared_table, with_fiche_links,
)

MAP_HEIGHT = 540


def _on_map_click() -> None:
    # A callback runs before the script, so it may still set the sidebar filters' state.
    code = maps.clicked_commune(st.session_state.get("carte_clic"), locator(store.data_version()))
    st.session_state.update(maps.selection_updates(
        code, store.query("communes_geo"), st.session_state.get("epci") or None,
        st.session_state.get("commune") or None))
    st.session_state["_carte_clicked"] = code


def _clear_selection() -> None:
    st.session_state["commune"] = ""  # the sidebar's "Toutes les communes" (see dashboard.py)


f = filters()
st.title("Carte du territoire")
if offline.ensure_assets() is None:
    st.warning("Les fichiers de Leaflet n'ont pas pu être copiés dans `static/vendor/` : "
               "sans Internet, la carte ne peut pas s'afficher.")

c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
# The options are the short French names: a bound selectbox keeps its formatted option in
# the URL (?indicateur=Production+PV), so the option itself is what a link carries.
short = c1.selectbox("Indicateur", list(maps.BY_SHORT), key="indicateur", bind="query-params")
key = maps.BY_SHORT[short]
background = c2.toggle("Fond OpenStreetMap (Internet)", value=False, key="fond_osm",
                       help="Désactivé par défaut : la carte fonctionne sans connexion.")

data = map_data()
view, table = store.shared(map_view, key, f["annee"], store.data_version())
demo_notice(view.demo)
freshness_notes(*view.indicator.datasets)   # how fresh or late the indicator shown is

if maps.needs_new_map(st.session_state.get("_carte_clicked"), f["commune"]):
    st.session_state["_carte_map"] = st.session_state.get("_carte_map", 0) + 1
    st.session_state["_carte_clicked"] = None

left, right = st.columns([3, 2], gap="medium")
with left:
    leaflet_map(
        ("carte", key, f["annee"], f["epci"], background, f["commune"], store.data_version()),
        lambda: (built_map(key, f["annee"], f["epci"], background, store.data_version()),
                 maps.selection_layer(data.communes, f["commune"])),
        key="carte_clic", height=MAP_HEIGHT, returned_objects=maps.RETURNED_OBJECTS, on_change=_on_map_click,
        instance=st.session_state.get("_carte_map", 0),
    )
    st.markdown(maps.legend_html(view), unsafe_allow_html=True)  # every text escaped in maps
    st.caption(
        f"Source : {escape_md(view.source or fmt.MISSING)}"
        + "".join(f"  \n{escape_md(n)}" for n in view.notes)
        + "  \nCliquez sur une commune pour afficher son profil ; les couches de points se "
          "choisissent dans le sélecteur en haut à droite de la carte. Sur un écran tactile, un doigt "
          "fait défiler la page, deux doigts déplacent et agrandissent la carte."
    )

with right:
    code = f["commune"]
    communes = data.communes
    row = None if code is None else communes.loc[communes["code"] == code]
    if row is None or row.empty:
        st.subheader("Profil d'une commune")
        st.info("Cliquez sur une commune de la carte (ou choisissez-la dans les filtres) "
                "pour afficher son profil.")
    else:
        c = row.iloc[0]
        st.subheader(escape_md(c["name"]))
        st.caption(f"Agglomération : {escape_md(c['epci'])} · code INSEE {escape_md(code)} · "
                   "chaque ligne indique sa période et sa source")
        b1, b2 = st.columns(2)
        b1.button("Désélectionner la commune", on_click=_clear_selection, key="carte_deselect")
        b2.page_link("pages/commune.py", label="Fiche de la commune", icon=":material/description:",
                     query_params={"code": code})
        profile, profile_values, events, projects = commune_panel(code, f["annee"], store.data_version())
        st.dataframe(profile, hide_index=True,
                     column_order=["Indicateur", "Commune", "Agglomération", maps.PROFILE_PMA,
                                   maps.PROFILE_SHARE, "Période", "Couverture",
                                   "Source", "Démonstration"])
        if not view.demo:  # otherwise the notice is already above the map
            demo_notice(bool((profile["Démonstration"] == "oui").any()))
        # The profile shows every indicator: the freshness of those not said above the map.
        freshness_notes(*(d for d in maps.DATASETS if d not in view.indicator.datasets))
        export_buttons(profile_values, f"profil_{code}", key="carte-profil")  # numbers, not the text shown
        st.markdown("**Événements**")
        if events.empty:
            st.caption("Aucun événement enregistré dans cette commune.")
        else:
            st.dataframe(events, hide_index=True)
        st.markdown("**Investissements**")
        if projects.empty:
            st.caption("Aucun projet d'investissement enregistré dans cette commune.")
        else:
            st.dataframe(projects, hide_index=True)

with st.expander(f"Valeurs par commune — {view.indicator.label} ({view.period.label})"):
    links: dict = {}
    shared_table(with_fiche_links(store.shared(maps.formatted_values, table, key), "Commune", "Code INSEE", links,
                                  "Commune"),
                 hide_index=True, column_config=links)
    export_buttons(table, f"carte_{key}", key="carte-valeurs")
