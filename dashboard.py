"""Écotransition Artois: entry point (page config, navigation, shared filters)."""

import streamlit as st

from ecotransition import store
from ecotransition.db import DatabaseError

st.set_page_config(
    page_title="Écotransition Artois",
    page_icon="🌿",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Pilotage": [
        st.Page("pages/vue_ensemble.py", title="Vue d'ensemble", icon="📊", url_path="vue-ensemble", default=True),
    ],
    "Thématiques": [
        st.Page("pages/investissements.py", title="Investissements", icon="🏭", url_path="investissements"),
        st.Page("pages/solaire.py", title="Solaire", icon="☀️", url_path="solaire"),
        st.Page("pages/chaine_des_parcs.py", title="Chaîne des parcs", icon="🌳", url_path="chaine-des-parcs"),
        st.Page("pages/evenements.py", title="Événements", icon="📅", url_path="evenements"),
    ],
    "Exploration": [
        st.Page("pages/carte.py", title="Carte", icon="🗺️", url_path="carte"),
    ],
    "Données": [
        st.Page("pages/donnees.py", title="Données", icon="🗂️", url_path="donnees"),
    ],
    "Écran": [
        st.Page("pages/ecran.py", title="Écran du Grand forum", icon="🖥️", url_path="ecran"),
    ],
}

page = st.navigation(PAGES)


def database_unavailable(exc: DatabaseError) -> None:
    """A missing or damaged file: say so in French and give the way back, not a traceback."""
    st.error(f"{exc} Le tableau de bord ne peut pas afficher de données pour l'instant.")
    st.markdown(
        "Pour la remettre en état : restaurer une sauvegarde depuis la page **Données**, "
        "ou reconstruire la base par défaut avec `python -m ecotransition.build` "
        "(les imports réalisés depuis seront à refaire)."
    )
    st.stop()


try:
    store.ensure_database()
    store.connection()
    database_ok = True
except DatabaseError as exc:
    database_ok = False
    # The data page stays reachable so that staff can restore a backup from it.
    if page.url_path != "donnees":
        database_unavailable(exc)

if database_ok and page.url_path != "ecran":
    # Shared filters, bound to the URL so that a link reproduces the view.
    epcis = store.query("epci_list")
    with st.sidebar:
        st.header("Filtres")
        epci = st.selectbox(
            "Agglomération", [None, *epcis["short_name"]], key="epci", bind="query-params",
            format_func=lambda v: "Tout le Pôle métropolitain" if v is None else v,
        )
        communes = store.query("communes_list", epci=epci)
        names = dict(zip(communes["code"], communes["name"]))
        st.selectbox(
            "Commune", [None, *communes["code"]], key="commune", bind="query-params",
            format_func=lambda v: "Toutes les communes" if v is None else f"{names.get(v, v)} ({v})",
        )
        years = store.query("data_years")["year"].tolist()
        st.selectbox(
            "Année", [None, *years], key="annee", bind="query-params",
            format_func=lambda v: "Dernière année complète" if v is None else str(v),
        )

try:
    page.run()
except DatabaseError as exc:
    database_unavailable(exc)
