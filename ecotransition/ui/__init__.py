"""The Streamlit-aware side: the cached connection and query results (store) and staff
access (auth). Nothing else in the package imports streamlit."""
