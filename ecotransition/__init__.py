"""Écotransition Artois: data, queries and figures behind the PMA dashboard.

Layout (see README, "Layout"): core/ (labels, formats, selection, KPI model, metric layer),
data/ (database file, named SQL, dataset registry, build, demo series, backups), imports/,
themes/ (solar, parks, events, investments: figures and tables per theme), surfaces/
(overview, map, forum screen, exports) and ui/ (the only Streamlit-aware modules).
"""
