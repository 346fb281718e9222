"""Écran du Grand forum: slides that rotate by themselves on a large screen, readable from 5 m.

URL parameters: `periode` (seconds per slide, default 15), `diapos` (slide names in order,
e.g. `chiffres,solaire,parcs,evenements,investissements`), `theme` (`sombre` or `clair`),
`anciennete` (months: a slide whose data are older is not shown, default 36).
The QR code points to ECOTRANSITION_PUBLIC_URL, or to this server as the screen sees it.
"""

import os

import streamlit as st

from ecotransition.core import clock
from ecotransition.surfaces import screen
from ecotransition.ui import store

config = screen.settings(st.query_params.to_dict())
st.html(screen.css(config.theme))
url = screen.public_url(os.environ.get("ECOTRANSITION_PUBLIC_URL"), st.context.url)
qr = screen.qr_svg(url)
# The screen's size against the 1920×1080 design, from the browser (screen.scale_script): the
# CSS scales the page by itself, the charts' text is drawn for it.
scale = screen.scale(st.context.cookies.get(screen.SCALE_COOKIE))
# Each full run restarts the browser's rotation timer: slides are placed on its ticks.
st.session_state["ecran_anchor"] = screen.clock()


@st.fragment(run_every=config.period)
def slide_show():
    now = screen.clock()
    anchor = st.session_state.get("ecran_anchor")
    # The calendar is the app's (ECOTRANSITION_TODAY); `now`, real time, only places the slides.
    today = clock.today()
    dates = screen.CACHE.get(("slide_dates", config.slides), version=lambda: (store.data_version(), today),
                             build=lambda: screen.slide_dates(store.query, config.slides, today), fallback=dict)
    shown = screen.fresh_settings(config, dates, today)
    position, name = screen.slide_at(now, shown, anchor)
    slide = screen.CACHE.get(
        (name, config.theme, scale),
        version=lambda: (store.data_version(), today),
        build=lambda: screen.scaled_slide(screen.build(name, store.query, config.theme, today), scale),
        fallback=lambda: screen.unavailable(name),
    )
    # As few elements as possible, so the room never sees half of one slide and half of the next.
    slot = screen.slot_at(now, config.period, anchor)
    footer = screen.footer_html(
        # Only the slide's own date (the period of its figures): none on a slide without figures
        # of its own, rather than a date it does not describe.
        slide, slide.date_text, position, len(shown.slides), config.period,
        screen.elapsed(now, config.period, anchor), slot)
    if slide.chart is None:
        st.html(screen.slide_html(slide, qr, url) + footer)
    else:
        # The CSS gives this container the screen's height and the columns the rest of it.
        with st.container(key="ecran-slide"):
            st.html(screen.header_html(slide, qr, url) + footer)
            left, right = st.columns([2, 3], gap="large")
            with left:
                st.html(screen.figures_html(slide.figures, "column"))
            with right:
                # height="stretch": the chart takes the height the CSS gives its column.
                st.plotly_chart(slide.chart, theme=None, alt=slide.chart_alt, width="stretch", height="stretch",
                                config=screen.chart_config(slot))


slide_show()
# Last, so that its empty element sits below the slide.
st.html(screen.watchdog_html(config.period) + screen.scale_script(), unsafe_allow_javascript=True)
