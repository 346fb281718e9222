"""The fiche commune's cached inputs: here, not in the page file (it runs on every view), and in
store's process-wide caches rather than st.cache_data, which any client's `clear_cache` message
empties for every viewer (t15i finding 1).
"""

from __future__ import annotations


from ecotransition.surfaces import fiche as fiches
from ecotransition.surfaces import fiche_pdf, maps
from ecotransition.ui import store
from pages._ui import freshness_of


def fiche_of(code: str, year, version) -> fiches.Fiche:
    """The fiche of the commune with INSEE code `code` for `year` (None: each indicator's latest);
    shared by every session: never modified."""
    return store.shared(_fiche, code, year, version)


def _fiche(code: str, year, version) -> fiches.Fiche:
    return fiches.build(maps.load_data(store.query), code, year, None, store.query("indicators_zones"),
                        store.query("indicator_series"))


def fiche_pdf_of(code: str, year, version, edition) -> bytes:
    """The fiche as an A4 PDF (bytes), `edition` (a date) printed as its edition date."""
    return store.shared(_pdf, code, year, version, edition)


def _pdf(code: str, year, version, edition) -> bytes:
    fiche = fiche_of(code, year, version)
    return fiche_pdf.render(fiche, edition, freshness_of(*fiche.datasets))
