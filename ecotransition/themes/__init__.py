"""One module per theme (solar, parks, events, investments): its figures, tables and charts.
Themes do not import each other; what they share lives in ecotransition.core."""
