"""The fiche commune's cached inputs: defined here, once per process, not in the page file.

A page file runs on every view, and Streamlit's cache decorators re-derive a function's cache
key from its source each time they run (inspect.getsource).
"""

from __future__ import annotations

import streamlit as st

from ecotransition.surfaces import fiche as fiches
from ecotransition.surfaces import fiche_pdf, maps
from ecotransition.ui import store
from pages._ui import freshness_of


@st.cache_data(max_entries=64, show_spinner=False)
def fiche_of(code: str, year, version) -> fiches.Fiche:
    """The fiche of the commune with INSEE code `code` for `year` (None: each indicator's latest)."""
    return fiches.build(maps.load_data(store.query), code, year, None, store.query("indicators_zones"),
                        store.query("indicator_series"))


@st.cache_data(max_entries=16, show_spinner="Préparation du PDF…")
def fiche_pdf_of(code: str, year, version, edition) -> bytes:
    """The fiche as an A4 PDF (bytes), `edition` (a date) printed as its edition date."""
    fiche = fiche_of(code, year, version)
    return fiche_pdf.render(fiche, edition, freshness_of(*fiche.datasets))
