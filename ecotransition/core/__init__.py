"""Shared ground of every theme and surface: labels, French formats, the selection, the KPI
view model and the metric layer (one definition per published figure). Nothing here imports
streamlit or folium; plotting.py is the only module that knows plotly."""
