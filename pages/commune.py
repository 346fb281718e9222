"""Fiche commune: one commune against its agglomeration and the Pôle, printable, and as a PDF.

`/commune?code=62498` (the INSEE code) opens the fiche of Lens; the commune is the sidebar's
commune filter, so a fiche is also reached by choosing a commune, from the map's profile or a table.
"""

import streamlit as st

from ecotransition.core import clock, fmt
from ecotransition.surfaces import fiche as fiches
from ecotransition.surfaces import fiche_pdf, targets
from ecotransition.ui import store
from pages._fiche import fiche_of, fiche_pdf_of
from pages._ui import (
    commune_names, demo_notice, escape_md, filters, freshness_notes, text_table, trajectories, trajectory_texts,
)

# A4 portrait without the app's chrome; charts and tables kept whole on a page where they fit.
PRINT_CSS = """<style>
@page { size: A4 portrait; margin: 12mm; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  .ea-noprint, [data-testid="stDownloadButton"], [data-testid="stSelectbox"] { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stPlotlyChart"] { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  [data-testid="stTable"] table { width: 100% !important; table-layout: auto; font-size: 8pt; }
  [data-testid="stTable"] th, [data-testid="stTable"] td { padding: 2px 4px !important; }
  body { font-size: 10pt; }
}
</style>"""


PRINT_WIDTH = 680   # px


def _choose() -> None:
    # A callback runs before the script: it may still set the sidebar's commune.
    st.session_state["commune"] = st.session_state.get("fiche_choix") or ""


st.html(PRINT_CSS)
f = filters()
code = f["commune"]
communes = store.query("communes_list", epci=None)
names = store.shared(commune_names, communes)

if code is None:
    st.title("Fiche commune")
    asked = st.query_params.get("code")
    if asked:
        st.warning(f"Pas de fiche pour « {escape_md(asked)} » : ce n'est pas le code INSEE d'une commune du Pôle"
                   + (f" de l'agglomération {escape_md(f['epci'])}" if f["epci"] else "") + ".")
    st.info("Choisissez une commune : sa fiche la compare à son agglomération et au Pôle métropolitain, "
            "s'imprime sur A4 et se télécharge en PDF.")
    st.selectbox("Commune", [""] + list(communes["code"]), key="fiche_choix", on_change=_choose,
                 format_func=lambda c: f"{names.get(c, c)} ({c})" if c else "Choisir une commune…")
    st.stop()

version = store.data_version()
fiche = fiche_of(code, f["annee"], version)
st.title(f"Fiche commune — {escape_md(fiche.name)}")
st.caption(f"Code INSEE {escape_md(fiche.code)} · agglomération {escape_md(fiche.epci)} · "
           f"{escape_md(fiche.population)} habitants · comparée à son agglomération et au Pôle métropolitain "
           f"(PMA) · édition du {escape_md(fmt.day(clock.today()))}")
c1, c2 = st.columns([1, 2], vertical_alignment="center")
c1.download_button("Télécharger la fiche (PDF)", lambda: fiche_pdf_of(code, f["annee"], version, clock.today()),
                   fiche_pdf.file_name(fiche), mime="application/pdf", on_click="ignore", icon=":material/download:")
c2.caption("Imprimer : Ctrl + P (mise en page A4 portrait, sans les menus).")

st.markdown("  \n".join(escape_md(s) for s in fiche.summary))
demo_notice(fiche.demo)
freshness_notes(*fiche.datasets)   # the edition's date is not the data's: each dataset's own, or late

for section in fiche.sections:
    st.subheader(section.title)
    text_table(fiches.lines_table(fiche, section))
    if section.note:
        st.caption(escape_md(section.note))
    if section.title.startswith("Solaire"):
        # A fixed width that fits A4 portrait (186 mm ≈ 700 px): a chart drawn at the screen's
        # width would be cut when printed.
        for fig in (fiches.trend_figure(fiche), fiches.distribution_figure(fiche)):
            st.plotly_chart(fig.update_layout(width=PRINT_WIDTH), width="content")
    if section.listing_title:
        st.markdown(f"**{escape_md(section.listing_title)}**")
        if section.listing.empty:
            st.caption(escape_md(section.empty))
        else:
            text_table(section.listing)

st.subheader("Objectifs et trajectoires")
if fiche.goals:
    trajectories([targets.figure(t) for t in fiche.goals], trajectory_texts(fiche.goals, names), width=PRINT_WIDTH)
else:
    st.caption(f"Aucun objectif chiffré n'est enregistré pour {escape_md(fiche.name)} ni pour la "
               f"{escape_md(fiche.epci)} (ils s'importent avec les indicateurs, page Données).")

st.subheader("Sources et couverture")
st.caption("Sources : " + escape_md(" · ".join(fiche.sources)))
notes = fiche.coverage_notes
st.caption(("Couverture partielle — " + escape_md(" · ".join(notes))) if notes
           else "Couverture : toutes les communes pour chaque chiffre.")
st.caption("« n.d. » : donnée non disponible, jamais comptée comme zéro. Chaque chiffre suit la définition "
           "du tableau de bord (vue d'ensemble, pages thématiques, carte, écran).")
