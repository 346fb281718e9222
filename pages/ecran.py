"""Écran: the self-running display of the Grand forum."""

import streamlit as st

from ecotransition import fmt, store

ind = store.query("indicators_latest", theme=None)
for row in ind.head(4).itertuples():
    st.metric(row.label, fmt.with_unit(row.value, row.unit))
