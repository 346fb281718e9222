"""Événements: the 2023-2024 calendar of the PMA."""

import streamlit as st

from ecotransition import store

st.title("Événements")
st.dataframe(store.query("events_list", annee=st.session_state.get("annee")), hide_index=True)
