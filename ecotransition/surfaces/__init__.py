"""Screens that compose several themes: the overview, the map explorer, the Grand forum
screen, and the exports. They compose figures from the metric layer; they do not re-derive them."""
