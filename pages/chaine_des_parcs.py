"""Chaîne des parcs: park sites and visitor counters."""

import streamlit as st

from ecotransition import store

st.title("Chaîne des parcs")
st.dataframe(store.query("park_sites_list"), hide_index=True)
st.dataframe(store.query("visits_monthly", epci=st.session_state.get("epci"), commune=st.session_state.get("commune")), hide_index=True)
