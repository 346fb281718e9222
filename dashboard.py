"""Écotransition Artois: entry point (page config, navigation, shared filters)."""

import logging
import os
import runpy
from pathlib import Path

import streamlit as st

from ecotransition.core import clock
from ecotransition.data.db import DatabaseBusy, DatabaseError
from ecotransition.ui import auth, runs, store
from pages._ui import column_values, commune_names, escape_md

st.set_page_config(
    page_title="Écotransition Artois",
    # A local file: a ":material/…:" favicon would be fetched from Google's font CDN.
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
    # "auto": open on a desktop, closed on a phone (residents arriving from the QR code land on
    # the page itself; the sidebar stays one tap away).
    initial_sidebar_state="auto",
)

def overview_by_its_name() -> None:
    """/vue-ensemble opened directly: the overview itself, not « Page not found » then "/"."""
    runpy.run_path(str(Path(__file__).parent / "pages" / "vue-ensemble.py"), run_name="__page__")


PAGES = {
    "Pilotage": [
        # The default page lives at "/" (its own pathname, reserved, would only redirect there); a
        # hidden page answers at /vue-ensemble, the overview's name in every link.
        st.Page("pages/vue-ensemble.py", title="Vue d'ensemble", icon=":material/dashboard:", url_path="accueil",
                default=True),
        st.Page(overview_by_its_name, title="Vue d'ensemble", url_path="vue-ensemble", visibility="hidden"),
    ],
    "Thématiques": [
        st.Page("pages/investissements.py", title="Investissements", icon=":material/factory:", url_path="investissements"),
        st.Page("pages/solaire.py", title="Solaire", icon=":material/solar_power:", url_path="solaire"),
        st.Page("pages/chaine-des-parcs.py", title="Chaîne des parcs", icon=":material/park:", url_path="chaine-des-parcs"),
        st.Page("pages/evenements.py", title="Événements", icon=":material/event:", url_path="evenements"),
    ],
    "Exploration": [
        st.Page("pages/carte.py", title="Carte", icon=":material/map:", url_path="carte"),
        st.Page("pages/commune.py", title="Fiche commune", icon=":material/location_city:", url_path="commune"),
    ],
    "Données": [
        st.Page("pages/donnees.py", title="Données", icon=":material/database:", url_path="donnees"),
    ],
    "Écran": [
        st.Page("pages/ecran.py", title="Écran du Grand forum", icon=":material/tv:", url_path="ecran"),
    ],
}

page = st.navigation(PAGES)


def database_unavailable(exc: DatabaseError) -> None:
    """A missing or damaged file: say so in French and give the way back, not a traceback."""
    if isinstance(exc, DatabaseBusy):   # held by another program, or its log left: wait, do not rebuild
        logging.getLogger("ecotransition").warning("%s", exc)
        st.warning(exc.public)
        st.stop()
    # The path and the engine's words stay in the server's log: visitors get the plain fact.
    logging.getLogger("ecotransition").error("%s", exc)
    st.error(f"{exc.public} Le tableau de bord ne peut pas afficher de données pour l'instant.")
    if auth.role(os.environ) == "public":
        # A public replica can neither restore nor rebuild: visitors get no instructions they cannot
        # follow (t15i finding 11); the staff side shows them.
        st.info("Réessayez plus tard : l'équipe du Pôle métropolitain remet la base en état.")
        st.stop()
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
    # The data page stays reachable so that staff can restore a backup from it; the forum
    # screen keeps showing its last good slides rather than an error box.
    if page.url_path not in ("donnees", "ecran"):
        database_unavailable(exc)


def shared_filters() -> None:
    """The sidebar's agglomeration, commune and year, bound to the URL so that a link reproduces the view."""
    # Drawn on every page, /ecran included (its CSS hides the sidebar): a run without them makes
    # Streamlit drop their state and remove their URL parameters, pushing a history entry, so that
    # Back from the screen showed /solaire without its agglomeration and year.
    # persist_state="session" keeps them for any page that would not draw them.
    # "" is every "all" option rather than None: a selectbox whose state is None shows an
    # empty box with Streamlit's English placeholder instead of its None option after a reset.
    epcis = store.query("epci_list")
    # The fiche commune's own link names it /commune?code=62498.
    param = "code" if page.url_path == "commune" else "commune"
    link = st.query_params.get(param)
    if link and link != st.session_state.get("_commune_in_url") and "epci" not in st.query_params:
        # A link to a commune (a fiche, say) opened while another agglomeration is remembered:
        # the link wins and takes its agglomeration, rather than being dropped.
        everywhere = store.query("communes_list", epci=None)
        home = everywhere.loc[everywhere["code"] == link, "epci"]
        if len(home) and st.session_state.get("epci") not in (None, "", home.iloc[0]):
            st.session_state["epci"] = home.iloc[0]
    with st.sidebar:
        st.header("Filtres")
        epci = st.selectbox(
            "Agglomération", ["", *store.shared(column_values, epcis, "short_name")], key="epci", bind="query-params",
            persist_state="session", placeholder="Tout le Pôle métropolitain",
            format_func=lambda v: v or "Tout le Pôle métropolitain",
        ) or None
        communes = store.query("communes_list", epci=epci)
        names = store.shared(commune_names, communes)
        # bind="query-params" would put the displayed label ("Lens (62498)") in the URL and
        # ignore ?commune=62498: the commune is synced with the URL by hand, as its INSEE code.
        in_url, written = link, st.session_state.get("_commune_in_url")
        if in_url is not None and in_url != written:
            # A link opened (or an edited URL): it wins, if the commune is in the agglomeration.
            st.session_state["commune"] = in_url if in_url in names else ""
        elif "commune" not in st.session_state and written in names:
            # Back from a page without the filters, had Streamlit dropped the widget's state.
            st.session_state["commune"] = written
        elif st.session_state.get("commune") not in names:
            # The agglomeration changed under the selected commune (or nothing chosen yet).
            st.session_state["commune"] = ""
        commune = st.selectbox(
            "Commune", ["", *store.shared(column_values, communes, "code")], key="commune", persist_state="session",
            placeholder="Toutes les communes",
            format_func=lambda v: f"{names.get(v, v)} ({v})" if v else "Toutes les communes",
        ) or None
        # The screen's URL is left as the browser pushed it: a change there would add a history
        # entry, and Back would land on the screen again.
        if page.url_path != "ecran":
            if commune is None:
                if param in st.query_params:
                    del st.query_params[param]
            elif in_url != commune:
                st.query_params[param] = commune
            st.session_state["_commune_in_url"] = commune
        if commune is not None and page.url_path not in ("commune", "ecran"):
            st.page_link("pages/commune.py", label=f"Fiche de {escape_md(names.get(commune, commune))}",
                         icon=":material/description:", query_params={"code": commune})
        years = store.shared(column_values, store.query("data_years"), "year")
        st.selectbox(
            "Année", ["", *years], key="annee", bind="query-params", persist_state="session",
            placeholder="Dernière année complète", format_func=lambda v: str(v) if v else "Dernière année complète",
        )


# Pages run a few at a time, in their order of arrival, where the setting asks it (ui/runs.py).
with runs.turn():
    if database_ok and page.url_path == "ecran":
        try:
            shared_filters()
        except Exception:   # hidden there: they never stop the show (its slides have their own fallback)
            logging.getLogger(__name__).exception("Filtres non dessinés sur /ecran")
    elif database_ok:
        shared_filters()

    # Phones (the forum's QR code): a smaller title and margins, so that the first figures show
    # on the first screen. Streamlit already stacks columns below 640 px.
    if page.url_path != "ecran":   # the screen has its own layout
        st.html("<style>@media (max-width: 640px) {"
                "[data-testid='stMain'] h1 {font-size: 1.9rem;} "
                "[data-testid='stMainBlockContainer'] {padding: 3.5rem 1rem 4rem 1rem;}}</style>")

    # A refused ECOTRANSITION_TODAY: every page runs on the real day and says so, as a refused
    # ECOTRANSITION_FLAG_* setting does; the room's screen runs on without the box (it is logged).
    clock_problem = clock.today_warning()
    if clock_problem and page.url_path != "ecran":
        st.warning(f"Réglage du jour de l'application : {escape_md(clock_problem)}", icon="⚙️")

    try:
        page.run()
    except DatabaseError as exc:
        database_unavailable(exc)
