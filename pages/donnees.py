"""Données: the dataset catalogue, imports and their history."""

import streamlit as st

from ecotransition import store

st.title("Données")
st.dataframe(store.query("table_counts"), hide_index=True)
st.dataframe(store.query("imports_history"), hide_index=True)
