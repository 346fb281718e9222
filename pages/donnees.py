"""Données: the dataset catalogue (public), file imports and backups (staff only), the history."""

from __future__ import annotations

import os

import streamlit as st

from ecotransition import imports
from ecotransition.core import clock, fmt
from ecotransition.core.paths import db_path
from ecotransition.data import backup, freshness
from ecotransition.data.db import DatabaseBusy
from ecotransition.imports import catalogue, readers, templates, worker
from ecotransition.surfaces import export
from ecotransition.themes import parks
from ecotransition.ui import auth
from ecotransition.ui import staff as staff_gate
from ecotransition.ui import store
from pages._ui import counter_flags, escape_md, filters, text_table

st.title("Données")
st.caption("Ce que contient le tableau de bord, d'où viennent les chiffres, et le chargement "
           "des nouveaux fichiers par l'équipe du Pôle métropolitain.")

# A public replica has no import, no login and no restore: nothing to upload to, nothing to guess.
public = auth.role(os.environ) == "public"
if public:
    tab_catalogue, tab_history = st.tabs(["Catalogue", "Historique des imports"])
    tab_import = None
else:
    tab_catalogue, tab_import, tab_history = st.tabs(
        ["Catalogue", "Importer un fichier", "Historique et sauvegardes"])


def _secrets() -> dict:
    # st.secrets raises when no secrets.toml exists at all: that simply means "nothing set".
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - FileNotFoundError or StreamlitSecretNotFoundError
        return {}


def _show_result(result: imports.ImportResult) -> None:
    name = escape_md(result.file_name)
    if result.status == imports.REFUSED:
        head, items = catalogue.report_parts(result.message)
        st.error(f"**{name} : {escape_md(head)}**\n\n" + "\n".join(f"- {escape_md(i)}" for i in items))
    elif result.status == imports.UNCHANGED:
        st.info(f"**{name}** : {escape_md(result.message)}")
    else:
        st.success(f"**{name}** : {escape_md(result.message)}")
    details = [f"encodage : {result.encoding}" if result.encoding else "",
               f"durée : {fmt.number(result.seconds, 1)} s"]
    st.caption(escape_md(" · ".join(d for d in details if d)))


# ------------------------------------------------------------------------- catalogue
with tab_catalogue:
    epci = filters()["epci"]
    datasets = catalogue.datasets(store.query)
    completeness = catalogue.completeness(store.query, epci)
    st.subheader("Jeux de données")
    fresh = freshness.of_dates(store.query("dataset_dates"), clock.today())
    # Every channel of the Pôle, as /chaine-des-parcs counts them with no filter.
    counters = counter_flags(None, None)
    flags = {"counter_measures": store.shared(parks.flags_summary, counters.flags, counters.daily,
                                              counters.channels, None)}
    # A text table, not st.dataframe: its cells wrap, so the freshness and flags sentences and every
    # column stay visible at 1400 px (the grid cut them off at its right edge).
    text_table(catalogue.catalogue_table(datasets, completeness, fresh, flags), row_names=False)
    late = [f for f in fresh.values() if f.late]
    if late:
        st.warning("Jeux de données en retard sur leur rythme de mise à jour : " + " ; ".join(
            f"{escape_md(catalogue.label(f.dataset))} — {escape_md(f.warning[0].lower() + f.warning[1:])}"
            for f in late) + ".", icon=":material/schedule:")
    if int(datasets["demo_rows"].sum()):
        st.caption("Les lignes « démonstration » sont générées pour illustrer le tableau de bord "
                   "là où le rapport d'activité 2023 ne donne que des totaux ; un import les remplace.")
    st.subheader("Complétude par commune")
    st.caption("Gris : aucune donnée pour la commune ; orange : données de démonstration seulement ; "
               "vert : données réelles (rapport, open data ou import)."
               + (f" Agglomération : {escape_md(epci)}." if epci else ""))
    st.plotly_chart(catalogue.completeness_figure(completeness), config={"displaylogo": False})

# ---------------------------------------------------------------------------- import
staff = False
access = auth.access(_secrets(), os.environ)


def _import_tab(access: auth.Access) -> bool:
    """The import form (staff only once logged in); True when this browser is staff."""
    choices = imports.dataset_choices()
    dataset = st.selectbox("Jeu de données", list(choices), format_func=choices.get, key="import_dataset")
    ds = imports.DATASETS[dataset]
    if ds.description:
        st.caption(ds.description)
    with st.expander("Colonnes attendues et modèle à télécharger"):
        st.dataframe(templates.columns_help(dataset), hide_index=True)
        st.caption("CSV séparé par « ; » ou « , », UTF-8 (avec ou sans BOM) ou Windows-1252, virgule "
                   "ou point décimal (ni exposant « 1e3 », ni hexadécimal, ni « _ »), dates JJ/MM/AAAA ou "
                   "AAAA-MM-JJ ; ou classeur XLSX. Les points sans "
                   "coordonnées sont placés au centre de leur commune.")
        c1, c2 = st.columns(2)
        c1.download_button("Modèle CSV", (templates.TEMPLATES_DIR / templates.file_name(dataset)).read_bytes(),
                           templates.file_name(dataset), mime="text/csv", key="template_csv", on_click="ignore")
        c2.download_button("Modèle XLSX", export.to_xlsx(templates.template_frame(dataset), sheet=dataset),
                           templates.file_name(dataset).replace(".csv", ".xlsx"), key="template_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           on_click="ignore")
    staff = staff_gate.gate(access)
    if staff:
        uploaded = st.file_uploader("Fichier à importer (CSV ou XLSX)", type=["csv", "txt", "xlsx"],
                                    key="import_upload")
        sheet = None
        if uploaded is not None and readers.kind_of(uploaded.getvalue()[:8]) == "xlsx":
            try:
                sheet = st.selectbox("Feuille", readers.sheet_names(uploaded.getvalue()), key="import_sheet")
            except readers.ReadError as exc:
                st.error(escape_md(str(exc)))
        snapshot = None
        if dataset == "solar_production":
            snapshot = st.number_input(
                "Millésime du registre ODRÉ (facultatif)", min_value=2000, max_value=2100, value=None, step=1,
                key="import_snapshot",
                help="Les lignes du registre qui agrègent de petites installations sont comptées à partir de "
                     "cette année. Vide : l'année lue dans le nom du fichier, sinon la dernière mise en service.")
        if st.button("Importer", type="primary", disabled=uploaded is None, key="import_go"):
            bar = st.progress(0.0, text="Préparation de l'import…")
            try:
                # In a worker process: a large file does not slow the other viewers.
                result = worker.import_in_worker(
                    dataset, uploaded.getvalue(), db_path(), uploaded.name, sheet=sheet,
                    progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
                    snapshot_year=int(snapshot) if snapshot else None)
            except DatabaseBusy as exc:   # busy, not damaged: nothing changed
                bar.empty()
                st.error(escape_md(str(exc)))
            except OSError as exc:
                bar.empty()
                if imports.storage_problem(exc) is None:
                    raise
                st.error(escape_md("Import impossible : " + imports.storage_problem(exc)))
            else:
                bar.empty()
                # This process swapped the file: drop cached results so every page shows the new data.
                store.clear()
                _show_result(result)
    return staff


if tab_import is not None:
    with tab_import:
        staff = _import_tab(access)

# ------------------------------------------------------------------- history, backups
with tab_history:
    st.subheader("Historique des imports")
    history = store.query("imports_history", dataset=None)
    if history.empty:
        st.info("Aucun import n'a encore été tenté sur cette base.")
    elif staff:
        st.dataframe(catalogue.history_table(history), hide_index=True,
                     column_config={"Message": st.column_config.TextColumn(width="large")})
    else:
        # A refusal's message quotes the file's cells and names its lines: staff only.
        st.dataframe(catalogue.history_table(history, public=True), hide_index=True)
        if not public:
            st.caption("Le détail des messages (lignes et valeurs refusées) est réservé au personnel connecté.")
    if public:
        st.stop()
    st.subheader("Sauvegardes")
    backups = backup.list_backups(db_path())
    st.caption(f"Une copie de la base est gardée avant chaque import réussi ({backup.KEPT} dernières).")
    if not backups:
        st.info("Aucune sauvegarde pour l'instant.")
    elif staff:
        names = {b.name: b for b in backups}
        chosen = st.selectbox(
            "Sauvegarde à restaurer", list(names), key="restore_choice",
            format_func=lambda n: f"{names[n].taken_at:%d/%m/%Y %H:%M:%S} — avant : "
                                  f"{catalogue.label(names[n].before)}")
        confirm = st.checkbox("Je confirme : les données actuelles seront remplacées par cette sauvegarde "
                              "(l'historique des imports est conservé).", key="restore_confirm")
        given = staff_gate.restore_password(access)
        if st.button("Restaurer", disabled=not confirm, key="restore_go") and staff_gate.confirm_restore(access, given):
            try:
                backup.restore(chosen, db_path())
            except DatabaseBusy as exc:
                st.error(escape_md(str(exc)))
            else:
                store.clear()
                st.success(f"Base restaurée : état du {names[chosen].taken_at:%d/%m/%Y à %H:%M:%S}.")
    else:
        st.dataframe(catalogue.backups_table(backups), hide_index=True)
        st.caption("Connectez-vous dans l'onglet « Importer un fichier » pour restaurer une sauvegarde.")
    if staff:
        st.subheader("Accès du personnel")
        events = staff_gate.recent_events(20)
        if events:
            st.dataframe(auth.events_table(events), hide_index=True)
        else:
            st.caption("Aucun échec de connexion enregistré.")
