"""Vue d'ensemble: the headline figures for elected officials."""

import streamlit as st

from ecotransition import fmt, store

st.title("Écotransition Artois — vue d'ensemble")
ind = store.query("indicators_latest", theme=None)
cols = st.columns(4)
for i, row in enumerate(ind.head(8).itertuples()):
    cols[i % 4].metric(row.label, fmt.with_unit(row.value, row.unit), help=f"{row.year} · {row.source}")
