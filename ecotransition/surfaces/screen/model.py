"""What a slide is made of (Figure, Item, Slide), the slide names, sizes readable from 5 m and the
two palettes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import plotly.graph_objects as go

from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.data.freshness import day_text

# Slide names as they appear in the `diapos` URL parameter, in the default order.
SLIDES: dict[str, str] = {
    "chiffres": "Le Pôle métropolitain en chiffres",
    "solaire": "Le solaire gagne les toits",
    "parcs": "La Chaîne des parcs",
    "evenements": "Événements",
    "investissements": "L'industrie investit dans l'Artois",
}


# Sizes in CSS pixels of the 1920×1080 design; the CSS scales them to the screen (markup.u).
# The floor at 1920×1080: figures ≥ 64, labels ≥ 28, chart text ≥ 20; every text here
# is at least TEXT_PX.
TEXT_PX = 28
TOP_PX, SIDE_PX, FOOT_PX, GAP_PX = 22, 40, 68, 14


CHART_TEXT_PX = 22


FIGURE_PX = 96


QR_PX = 230


# A chart's height in the 1920×1080 design: its column, between the slide's title and footer.
CHART_HEIGHT = 718


# The map's drawing area (chart less its colour bar), width over height, on a 16:9 screen.
MAP_ASPECT = 1.3


# Streamlit serves Source Sans itself: the charts use the same letters as the text, offline.
CHART_FONT = '"Source Sans", "Source Sans Pro", "DejaVu Sans", sans-serif'


@dataclass(frozen=True)
class Figure:
    """A headline number: value already formatted, a short label, its year and source."""
    value: str
    label: str
    year: str
    source: str
    demo: bool = False


@dataclass(frozen=True)
class Item:
    """A line of a list: a date or status, a title, a detail."""
    when: str
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Slide:
    name: str
    title: str
    message: str
    figures: tuple[Figure, ...] = ()
    chart: go.Figure | None = field(default=None, compare=False)
    chart_alt: str = ""
    chart_demo: bool = False
    items: tuple[Item, ...] = ()
    item_sources: tuple[str, ...] = ()   # sources of the listed items (events, projects)
    available: bool = True
    data_date: date | None = None        # the last day its data describe (slides.slide_date)
    agenda_date: date | None = None      # events to come: the app's day they are listed as of

    @property
    def date_text(self) -> str:
        """'Données au 31 décembre 2024', the slide's own date; for events to come, 'Agenda au
        30 novembre 2026', the app's day of the list, as /evenements says it ('' when none)."""
        if self.data_date is None:
            return f"Agenda au {day_text(self.agenda_date)}" if self.agenda_date is not None else ""
        return f"Données au {day_text(self.data_date)}"

    @property
    def demo(self) -> bool:
        return self.chart_demo or any(f.demo for f in self.figures)

    @property
    def sources(self) -> tuple[str, ...]:
        # A mixed figure's source lists its parts (« import … ; démonstration ») and two cards often
        # share one: each part once, the demonstration left to the footer's badge, so that the line
        # holds every card's source (t12g finding 5).
        seen = [f.source for f in self.figures] + list(self.item_sources)
        parts = (part.strip() for s in seen if s for part in str(s).split(" ; "))
        return tuple(dict.fromkeys(p for p in parts if p and p != DEMO_SOURCE))


@dataclass(frozen=True)
class Palette:
    background: str
    panel: str
    text: str
    muted: str
    accent: str
    demo_bg: str
    demo_text: str
    bars: tuple[str, str]
    colorscale: tuple[str, ...]
    borders: str


PALETTES = {
    "sombre": Palette(
        background="#0a0f1e", panel="#161e33", text="#f7f9fc", muted="#d3dbea",
        accent="#7ee2a8", demo_bg="#ffd166", demo_text="#14110a",
        bars=("#56b4e9", "#f0c05a"),
        colorscale=("#3b2f85", "#8e3f9c", "#d8576b", "#f89441", "#fde74c"),
        borders="#0a0f1e",
    ),
    "clair": Palette(
        background="#ffffff", panel="#eef2f7", text="#0b1320", muted="#2e3747",
        accent="#136c3f", demo_bg="#ffd166", demo_text="#14110a",
        bars=("#0072b2", "#d55e00"),
        colorscale=("#fff5c2", "#fed976", "#fd8d3c", "#e31a1c", "#800026"),
        borders="#ffffff",
    ),
}
