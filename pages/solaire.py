"""Solaire: PV uptake, rooftop potential and the solar cadastre."""

import streamlit as st

from ecotransition import store

st.title("Solaire photovoltaïque")
df = store.query("solar_by_year", epci=st.session_state.get("epci"), commune=st.session_state.get("commune"))
st.dataframe(df, hide_index=True)
