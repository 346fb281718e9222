"""Carte: the territory's communes and points of interest."""

import streamlit as st

from ecotransition import store

st.title("Carte du territoire")
st.dataframe(store.query("communes_list", epci=st.session_state.get("epci")), hide_index=True)
