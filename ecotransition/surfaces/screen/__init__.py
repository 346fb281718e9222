"""The Grand forum screen: which slide to show when, what each slide says, how it looks.

Everything here is plain data and strings so that it is tested without Streamlit;
`pages/ecran.py` only reads the URL, calls these functions and puts the result on screen.

- Timing: the slide on screen is derived from the clock (`slide_at`), never from a counter,
  so a reconnect or a second screen carries on with the show instead of restarting it.
- Content: one builder per slide turns query results into a `Slide` (a title, one message,
  2 to 4 figures with their year and source, an optional plotly chart or short list).
- Resilience: `LastGood` keeps the last slide built without error, so a failing query shows
  those figures again instead of an error box; every chart message is unique per rotation
  (`chart_config`) and a watchdog reloads a page whose show has stopped (`watchdog_html`).
- Look: CSS and HTML designed for 1920×1080 and read from 5 m (figures ≥ 64 px, text ≥ 28 px,
  chart text ≥ 20 px), every size in viewport units so that any 16:9 or 16:10 display from
  1280×720 to 3840×2160 shows the same slide, dark or light, and a QR code drawn locally with segno.

The package's modules: `charts`, `markup`, `model`, `rotation`, `slides`. Everything is
re-exported here."""

from ecotransition.surfaces.screen.charts import (  # noqa: F401
    MODE_LABELS, _bounds, _demo_annotation, _layout, complete_years, fit_bounds, fit_zoom, scaled, scaled_slide,
    solar_map, visits_chart,
)
from ecotransition.surfaces.screen.markup import (  # noqa: F401
    DEFAULT_URL, SCALE_COOKIE, SOURCE_NAME_CHARS, _e, body_html, chart_config, css, figures_html, footer_html, footer_sources, header_html,
    items_html, public_url, qr_svg, scale, scale_script, screen_source, shorten_middle, slide_html, u, watchdog_html, watchdog_limit,
)
from ecotransition.surfaces.screen.model import (  # noqa: F401
    CHART_FONT, CHART_HEIGHT, CHART_TEXT_PX, FIGURE_PX, MAP_ASPECT, PALETTES, QR_PX, SLIDES, TEXT_PX, Figure, Item,
    Palette, Slide,
)
from ecotransition.surfaces.screen.rotation import (  # noqa: F401
    CACHE, DEFAULT_MAX_AGE_MONTHS, DEFAULT_PERIOD, THEMES, LastGood, Settings, _first, _offset, clock, elapsed,
    log, settings, slide_at, slot_at,
)
from ecotransition.surfaces.screen.slides import (  # noqa: F401
    _INDICATOR_LABELS, NO_RECENT, QUERIES, SLIDE_DATASETS, SLIDE_METRICS, Fetch, _as_date, _figures, _reading_figure, _year,
    build, chiffres, date_range, day, evenements, fresh_settings, indicator_figure, investissements,
    no_recent, parcs, slide_date, slide_dates, solaire, too_old, unavailable,
)
