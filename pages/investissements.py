"""Investissements: industrial projects, amounts and jobs."""

import streamlit as st

from ecotransition import store

st.title("Investissements et emplois")
df = store.query("investments_list", epci=st.session_state.get("epci"), commune=st.session_state.get("commune"))
st.dataframe(df[["name", "company", "sector", "commune", "announced_year", "status", "amount_eur", "jobs", "source"]], hide_index=True)
