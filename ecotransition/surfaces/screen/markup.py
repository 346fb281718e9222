"""The screen's HTML and CSS (escaped text, sizes relative to the screen), its QR code drawn
locally with segno, and the watchdog that reloads a stalled show.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import urlsplit

import segno

from ecotransition.core.labels import DEMO_BADGE, DEMO_TITLE
from ecotransition.surfaces.screen.model import (
    FIGURE_PX, FOOT_PX, GAP_PX, PALETTES, QR_PX, SIDE_PX, TEXT_PX, TOP_PX, Figure, Item, Slide,
)

DEFAULT_URL = "http://localhost:8501/"


def public_url(configured: str | None, page_url: str | None, default: str = DEFAULT_URL) -> str:
    """The address the QR code gives: ECOTRANSITION_PUBLIC_URL if set, else the server's own
    address as the screen's browser sees it (its home page, not /ecran), else localhost."""
    if configured and configured.strip():
        return configured.strip()
    if page_url:
        parts = urlsplit(page_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            path = parts.path.rstrip("/")
            if path.rsplit("/", 1)[-1] == "ecran":
                path = path[: -len("ecran")]
            return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}/"
    return default


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG image (dark modules on white, what phones read best),
    embedded as a data URI: drawn locally, nothing fetched. Streamlit's HTML sanitizer drops
    inline <svg>, an <img> with alt text passes."""
    code = segno.make(url, error="m", micro=False)
    uri = code.svg_data_uri(scale=10, border=3, dark="#000000", light="#ffffff")
    label = html.escape(f"QR code : ouvrir le tableau de bord ({url})")
    return f'<img class="ecran-qr-code" src="{uri}" alt="{label}" aria-label="{label}">'


def chart_config(slot: int) -> dict:
    """Plotly config of a screen chart: static (no mode bar, no hover), and unique per rotation.

    Streamlit sends a large element it believes the browser still caches as a bare reference.
    With a slide coming back every few rotations and fragment reruns overlapping on a busy
    machine, the browser may already have dropped it: "Cached ForwardMsg MISS", a fatal
    websocket error, and the show freezes for good (seen after ~700 rotations at 1 s). A name
    that changes with the slot (used only by the hidden download button) makes every chart
    message new, so no reference is ever sent."""
    return {"staticPlot": True, "displayModeBar": False,
            "toImageButtonOptions": {"filename": f"ecran-{slot}"}}


SCALE_COOKIE = "ecran_echelle"
MIN_SCALE, MAX_SCALE = 0.5, 3.0


def scale(cookie: str | None) -> float:
    """The screen's size relative to the 1920×1080 design, as its browser reported it in the
    cookie `SCALE_COOKIE` (scale_script); 1 without it, clamped to 0.5–3 (a 960×540 to a
    5760×3240 display) when it is out of range or not a number."""
    try:
        value = float(cookie) if cookie else 1.0
    except ValueError:
        return 1.0
    return min(max(value, MIN_SCALE), MAX_SCALE) if math.isfinite(value) else 1.0


def scale_script() -> str:
    """A script that tells the server the screen's scale (the CSS unit --u, in steps of 0.05)
    in a cookie, and reloads the page when it changed (another display, a resized window).

    The page's HTML and CSS scale by themselves; only the charts' text, in pixels, needs the
    server to know. At 1920×1080, or with a cookie already right, nothing happens."""
    return f"""<script>
(() => {{
  if (window.__ecranScale) return;
  window.__ecranScale = true;
  const name = "{SCALE_COOKIE}";
  const wanted = () => (Math.round(Math.min(innerWidth / 1920, innerHeight / 1080) * 20) / 20).toFixed(2);
  const current = () => {{
    const c = document.cookie.split("; ").find(c => c.startsWith(name + "="));
    return c ? Number(c.split("=")[1]).toFixed(2) : "1.00";
  }};
  const check = () => {{
    const w = wanted();
    if (w === current()) return;
    document.cookie = `${{name}}=${{w}}; path=/; max-age=31536000; samesite=lax`;
    location.reload();
  }};
  check();
  let timer;
  addEventListener("resize", () => {{ clearTimeout(timer); timer = setTimeout(check, 1000); }});
}})();
</script>"""


def watchdog_limit(period: float) -> float:
    """Seconds without a new slide after which the screen's page reloads itself."""
    return 3 * period + 20


def watchdog_html(period: float) -> str:
    """A script that reloads the page when the show has stopped and the server answers.

    Streamlit reconnects by itself after the server was away, but some client errors close
    the connection for good (a "Cached ForwardMsg MISS", for one): the room would then look
    at the same slide, with nobody there to press F5. Reloading only once the server's health
    check answers avoids trading a frozen slide for a browser error page."""
    limit_ms = int(watchdog_limit(period) * 1000)
    return f"""<script>
(() => {{
  if (window.__ecranWatchdog) return;
  window.__ecranWatchdog = true;
  let last = null, since = Date.now();
  const health = location.pathname.replace(/ecran\/?$/, "") + "_stcore/health";
  setInterval(async () => {{
    const fill = document.querySelector(".ecran-foot .fill");
    const slot = fill && fill.getAttribute("data-slot");
    if (slot !== last) {{ last = slot; since = Date.now(); return; }}
    if (Date.now() - since < {limit_ms}) return;
    try {{
      const r = await fetch(health, {{cache: "no-store"}});
      if (r.ok) location.reload();
    }} catch (e) {{ /* server away: Streamlit keeps trying to reconnect */ }}
  }}, 2000);
}})();
</script>"""


def u(n: float) -> str:
    """`n` CSS pixels of the 1920×1080 design, scaled to the screen: the unit --u is one such
    pixel on any display (0.67 px at 1280×720, 2 px at 3840×2160; on a 16:10 display the
    width sets it and the slide's rows take the extra height)."""
    return f"calc({n:g} * var(--u))"


def css(theme: str) -> str:
    """Page CSS: hides Streamlit's chrome and lays the slides out on the whole screen, every
    size in viewport units (style-only, so Streamlit puts it out of the layout)."""
    p = PALETTES[theme]
    return f"""<style>
:root {{ --u: min(calc(100vw / 1920), calc(100vh / 1080));
  /* The slide's height: the screen less the top margin, the footer and the gap above it. */
  --slide-h: calc(100vh - {u(TOP_PX + FOOT_PX + GAP_PX)}); }}
/* No chrome visible from the room: sidebar, navigation, header, toolbar, status, decoration. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stStatusWidget"], [data-testid="stDecoration"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"], [data-testid="stTopNav"], header {{ display: none !important; }}
/* Nor Streamlit's "Connection error" modal: the slide stays, Streamlit reconnects, the watchdog reloads. */
[data-baseweb="modal"], [data-testid="stDialog"] {{ display: none !important; }}
html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {p.background} !important; color: {p.text}; overflow: hidden; cursor: none;
}}
[data-testid="stMainBlockContainer"] {{
  max-width: 100% !important; padding: {u(TOP_PX)} {u(SIDE_PX)} 0 {u(SIDE_PX)} !important;
}}
/* A fragment rerun greys the previous slide out while the next one is computed: not on a screen. */
[data-stale="true"] {{ opacity: 1 !important; transition: none !important; }}
[data-testid="stSkeleton"] {{ display: none !important; }}
.ecran {{ font-family: "Source Sans", "Source Sans Pro", "DejaVu Sans", sans-serif; color: {p.text};
  font-size: {u(TEXT_PX)}; line-height: 1.2; }}
.ecran * {{ font-size: inherit; }}
/* The slide fills the screen above the footer: its title block, then its body in the rest. */
.ecran-slide {{ height: var(--slide-h); display: grid; grid-template-rows: auto minmax(0, 1fr);
  row-gap: {u(GAP_PX * 2)}; }}
.st-key-ecran-slide {{ height: var(--slide-h) !important; flex: 0 0 auto !important; display: flex !important;
  flex-direction: column !important;
  flex-wrap: nowrap !important; gap: {u(GAP_PX * 2)} !important; }}
.st-key-ecran-slide > * {{ flex: 0 0 auto; }}
.st-key-ecran-slide > [data-testid="stLayoutWrapper"] {{ flex: 1 1 0; min-height: 0; }}
.st-key-ecran-slide [data-testid="stHorizontalBlock"] {{ height: 100%; gap: {u(48)} !important; }}
.st-key-ecran-slide [data-testid="stColumn"], .st-key-ecran-slide [data-testid="stColumn"] > div,
.st-key-ecran-slide [data-testid="stColumn"] [data-testid="stElementContainer"],
.st-key-ecran-slide [data-testid="stColumn"] [data-testid="stHtml"],
.st-key-ecran-slide [data-testid="stColumn"] [data-testid="stFullScreenFrame"],
.st-key-ecran-slide [data-testid="stPlotlyChart"] {{ height: 100%; min-height: 0; }}
.st-key-ecran-slide .js-plotly-plot, .st-key-ecran-slide .js-plotly-plot .plot-container,
.st-key-ecran-slide .js-plotly-plot .svg-container {{ height: 100% !important; width: 100% !important; }}
.ecran-top {{ display: flex; align-items: center; gap: {u(36)}; }}
.ecran-heading {{ flex: 1 1 auto; min-width: 0; }}
.ecran h1.ecran-title {{ font-size: {u(66)}; font-weight: 800; margin: 0 0 {u(10)} 0; padding: 0;
  color: {p.text}; line-height: 1.05; letter-spacing: -0.01em; }}
.ecran .ecran-message {{ font-size: {u(38)}; color: {p.muted}; margin: 0; max-width: {u(1250)}; }}
.ecran .ecran-badge {{ display: inline-block; background: {p.demo_bg}; color: {p.demo_text};
  font-weight: 700; font-size: {u(TEXT_PX)}; padding: {u(4)} {u(14)}; border-radius: {u(8)}; margin-top: {u(14)}; }}
.ecran-qr {{ flex: 0 0 auto; display: flex; align-items: center; gap: {u(20)}; }}
.ecran-qr-text {{ text-align: right; max-width: {u(330)}; color: {p.muted}; }}
.ecran-qr-text strong {{ color: {p.text}; display: block; }}
.ecran-qr-url {{ word-break: break-all; }}
.ecran-qr img {{ width: {u(QR_PX)}; height: {u(QR_PX)}; display: block; border-radius: {u(6)}; }}
/* Cards share the body's height in equal rows (fr), their content centred in each. */
.ecran-figures {{ display: grid; gap: {u(26)}; height: 100%; min-height: 0; }}
.ecran-figures.row {{ grid-template-columns: repeat(var(--n), minmax(0, 1fr)); }}
.ecran-figures.column {{ grid-template-columns: minmax(0, 1fr); grid-auto-rows: minmax(0, 1fr); gap: {u(20)}; }}
.ecran-figures.alone {{ grid-auto-rows: minmax(0, 1fr); }}
.ecran-figure {{ background: {p.panel}; border-radius: {u(18)}; padding: {u(22)} {u(30)};
  border-left: {u(10)} solid {p.accent}; display: flex; flex-direction: column; justify-content: center;
  min-height: 0; overflow: hidden; }}
.ecran-figure.demo {{ border-left-color: {p.demo_bg}; }}
.ecran .ecran-value {{ font-size: {u(FIGURE_PX)}; font-weight: 800; line-height: 1.0; color: {p.text};
  white-space: nowrap; letter-spacing: -0.01em; }}
.ecran-figures.column .ecran-figure {{ padding: {u(16)} {u(30)}; }}
.ecran-figures.column .ecran-value {{ font-size: {u(80)}; }}
.ecran-figures.alone .ecran-figure {{ padding: {u(30)} {u(40)}; }}
.ecran-figures.alone .ecran-value {{ font-size: {u(124)}; }}
.ecran-figures.alone .ecran-label {{ font-size: {u(40)}; }}
.ecran .ecran-label {{ font-size: {u(34)}; font-weight: 600; margin-top: {u(10)}; color: {p.text}; }}
.ecran .ecran-meta {{ font-size: {u(TEXT_PX)}; color: {p.muted}; margin-top: {u(8)}; }}
.ecran .ecran-meta .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 0 {u(8)}; border-radius: {u(6)};
  font-weight: 700; }}
/* Figures above a list: the figures' row as high as it needs, the list in the rest. */
.ecran-body {{ display: grid; grid-template-rows: auto minmax(0, 1fr); row-gap: {u(30)}; min-height: 0; }}
.ecran-body > .ecran-figures {{ height: auto; }}
.ecran-items {{ list-style: none; margin: 0 !important; padding: 0 !important; display: grid; gap: {u(16)};
  grid-auto-rows: minmax(0, 1fr); min-height: 0; height: 100%; }}
.ecran-items li {{ margin: 0 !important; }}
/* Four cards of two-line titles and a place fit a 1280×720 projector (tests: long titles). */
.ecran-item {{ background: {p.panel}; border-radius: {u(16)}; padding: {u(12)} {u(30)}; display: flex; gap: {u(36)};
  align-items: center; border-left: {u(10)} solid {p.accent}; min-height: 0; overflow: hidden; }}
.ecran-item .when {{ flex: 0 0 {u(420)}; font-weight: 700; color: {p.accent}; font-size: {u(34)}; }}
.ecran-item .what {{ flex: 1 1 auto; min-width: 0; }}
/* A title is broken anywhere rather than run past the screen (a one-word title of 60 letters is wider
   than a 16:9 screen at this size), and kept to two lines, an ellipsis after them (the whole title is on
   /evenements, which the QR code opens); a place to one line. */
.ecran-item .title {{ font-size: {u(42)}; font-weight: 700; color: {p.text}; overflow-wrap: anywhere; line-height: 1.15;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2; overflow: hidden; }}
.ecran-item .detail {{ color: {p.muted}; margin-top: {u(2)}; line-height: 1.3; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.ecran-foot {{ position: fixed; left: 0; right: 0; bottom: 0; height: {u(FOOT_PX)}; box-sizing: border-box;
  padding: 0 {u(SIDE_PX)}; display: flex; align-items: center; gap: {u(30)}; background: {p.panel}; color: {p.muted};
  font-size: {u(TEXT_PX)}; z-index: 1000; }}
/* Sources on up to two lines (the footer's height holds two at this size): cut on one line, the
   source of the last card never showed (t12g finding 5). Imported file names are shortened
   (screen_source) so that two lines hold every source (t12h finding 5). */
.ecran-foot .sources {{ flex: 1 1 auto; min-width: 0; line-height: 1.2; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2; overflow: hidden; }}
/* The data's date and, under it, the demonstration mark: a block of its own, never inside the
   sources' clamped lines (inline at the end of their second line it was the part cut, or overhung
   the screen's edge by a pixel or two), stacked so that the sources keep the footer's width. */
.ecran-foot .meta {{ flex: 0 0 auto; display: flex; flex-direction: column; align-items: flex-end; line-height: 1.2; }}
.ecran-foot .stamp {{ color: {p.text}; font-weight: 600; white-space: nowrap; }}
.ecran-foot .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 0 {u(10)};
  border-radius: {u(6)}; white-space: nowrap; font-weight: 700; }}
.ecran-progress {{ flex: 0 0 auto; display: flex; align-items: center; gap: {u(16)}; }}
.ecran-progress .dots {{ display: flex; gap: {u(10)}; }}
.ecran-progress .dot {{ width: {u(16)}; height: {u(16)}; border-radius: 50%; background: {p.muted}; opacity: .45; }}
.ecran-progress .dot.on {{ background: {p.accent}; opacity: 1; }}
.ecran-progress .bar {{ width: {u(260)}; height: {u(14)}; border-radius: {u(7)}; background: {p.muted}40; overflow: hidden; }}
.ecran-progress .fill {{ height: 100%; width: 100%; background: {p.accent}; transform-origin: left center;
  transform: scaleX(0); animation-name: ecran-progress; animation-timing-function: linear;
  animation-fill-mode: forwards; }}
@keyframes ecran-progress {{ from {{ transform: scaleX(0); }} to {{ transform: scaleX(1); }} }}
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def header_html(slide: Slide, qr: str, url: str) -> str:
    badge = f'<div class="ecran-badge">⚠ {DEMO_TITLE}</div>' if slide.demo else ""
    return (
        f'<div class="ecran ecran-top" data-slide="{_e(slide.name)}">'
        f'<div class="ecran-heading"><h1 class="ecran-title">{_e(slide.title)}</h1>'
        f'<p class="ecran-message">{_e(slide.message)}</p>{badge}</div>'
        f'<div class="ecran-qr"><div class="ecran-qr-text"><strong>Le tableau de bord sur votre téléphone</strong>'
        f'<span class="ecran-qr-url">{_e(url)}</span></div>{qr}</div>'
        f"</div>"
    )


def figures_html(figures: tuple[Figure, ...], layout: str = "row", alone: bool = False) -> str:
    """Figure cards: a row under the title, a column beside a chart; `alone` when the slide has
    nothing else, so the figures grow to fill the screen."""
    cards = []
    for f in figures:
        origin = f'<span class="demo">{DEMO_BADGE}</span>' if f.demo else _e(f.source)
        cards.append(
            f'<div class="ecran-figure{" demo" if f.demo else ""}">'
            f'<div class="ecran-value">{_e(f.value)}</div>'
            f'<div class="ecran-label">{_e(f.label)}</div>'
            f'<div class="ecran-meta">{_e(f.year)} · {origin}</div></div>'
        )
    cls = f"ecran ecran-figures {layout}" + (" alone" if alone else "")
    # Four big figures alone on a slide read better as a 2×2 grid than as a squeezed row.
    n = 2 if alone and len(figures) == 4 else max(len(figures), 1)
    return f'<div class="{cls}" style="--n:{n}">{"".join(cards)}</div>'


def items_html(items: tuple[Item, ...], columns: int = 1) -> str:
    rows = "".join(
        f'<li class="ecran-item">{f"<div class=when>{_e(i.when)}</div>" if i.when else ""}'
        f'<div class="what"><div class="title">{_e(i.title)}</div>'
        f'{f"<div class=detail>{_e(i.detail)}</div>" if i.detail else ""}</div></li>'
        for i in items
    )
    return f'<ul class="ecran ecran-items" style="grid-template-columns:repeat({columns},1fr)">{rows}</ul>'


def body_html(slide: Slide) -> str:
    """Figures and list of a slide without chart, in the slide's body (the rest of the screen)."""
    out = ""
    if slide.figures:
        out += figures_html(slide.figures, "row", alone=not slide.items)
    if slide.items:
        out += items_html(slide.items, columns=2 if slide.figures else 1)
    return f'<div class="ecran ecran-body">{out}</div>' if slide.figures and slide.items else out


def slide_html(slide: Slide, qr: str, url: str) -> str:
    """A slide without chart as one element: its title block and body fill the screen."""
    return f'<div class="ecran ecran-slide">{header_html(slide, qr, url)}{body_html(slide)}</div>'


# An import's source as the import writes it (imports._source_label): « Source (file, import du
# 30/11/2026) » or « Import file du 30/11/2026 ».
# The formats' labels hold no parenthesis, a file name may: « (version corrigée n°2).csv ».
_IMPORTED = re.compile(r"^(?P<head>[^(]* \()(?P<name>.+)(?P<tail>, import du \d\d/\d\d/\d{4}\))$"
                       r"|^(?P<head2>Import )(?P<name2>.+?)(?P<tail2> du \d\d/\d\d/\d{4})$")
# Characters of a file name the screen's footer keeps: a name this long and « Rapport d'activité
# 2023 PMA » beside it still fit two lines of a 1280×720 footer with the badge (test_screen_displays_browser).
SOURCE_NAME_CHARS = 24


def shorten_middle(text: str, limit: int) -> str:
    """`text` when it has at most `limit` characters, else its start and its end (the extension,
    which tells a file) around « … », `limit` characters in all."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    head = limit - 1 - tail
    return f"{text[:head].rstrip()}…{text[len(text) - tail:].lstrip()}"


def screen_source(source: str, limit: int = SOURCE_NAME_CHARS) -> str:
    """A source as the screen's footer cites it: an imported file's name cut in its middle to
    `limit` characters (« Export Eco-Co…n°2).csv »), the rest whole. The full name is on the
    pages that show the same figures (/chaine-des-parcs, /donnees); a room cannot read 120
    characters of file name and the footer must keep room for the other sources (t12h finding 5)."""
    m = _IMPORTED.match(source)
    if not m:
        return source
    if m["name"] is not None:
        return f'{m["head"]}{shorten_middle(m["name"], limit)}{m["tail"]}'
    return f'{m["head2"]}{shorten_middle(m["name2"], limit)}{m["tail2"]}'


# Beyond this many imported files, the footer names their number and the latest one.
FOOTER_FILES = 2
_IMPORT_DATE = re.compile(r"du (\d\d)/(\d\d)/(\d{4})\)?$")


def footer_sources(sources: tuple[str, ...]) -> list[str]:
    """The sources as the footer cites them: each whole (a file's name cut, screen_source), but more
    than FOOTER_FILES imported files as one entry, after the others, with the day of the last
    import — twelve monthly imports filled the footer's two lines and cut off « Rapport d'activité
    2023 PMA », the source of the slide's other card (t12i finding 4). A day, not a file: files
    imported the same day have no order to tell the latest."""
    files = [s for s in sources if _IMPORTED.match(s)]
    if len(files) <= FOOTER_FILES:
        return [screen_source(s) for s in sources]
    days = [m for m in (_IMPORT_DATE.search(s) for s in files) if m]
    last = max(days, key=lambda m: (m[3], m[2], m[1]), default=None)
    return [screen_source(s) for s in sources if s not in files] + [
        f"{len(files)} fichiers importés" + (f", le dernier le {last[1]}/{last[2]}/{last[3]}" if last else "")]


def footer_html(slide: Slide, stamp: str, position: int, count: int, period: float, since: float,
                slot: int = 0) -> str:
    """Sources, demo mark, data date and the progress of the show (fixed at the bottom)."""
    sources = footer_sources(slide.sources)
    text = "Source : " + " ; ".join(_e(s) for s in sources) if sources else ""
    demo = f'<div class="demo">{DEMO_BADGE}</div>' if slide.demo else ""
    dots = "".join(f'<span class="dot{" on" if k == position else ""}"></span>' for k in range(count))
    # The bar fills in CSS from the moment the slide appeared: no rerun needed to move it.
    fill = f'animation-duration:{period:.3f}s;animation-delay:-{min(since, period):.3f}s'
    return (
        f'<div class="ecran ecran-foot"><div class="sources">{text}</div>'
        f'<div class="meta"><div class="stamp">{_e(stamp)}</div>{demo}</div>'
        f'<div class="ecran-progress" role="progressbar" aria-label="Diapositive {position + 1} sur {count}, '
        f'prochaine dans {max(period - since, 0):.0f} s">'
        f'<span>{position + 1}/{count}</span><span class="dots">{dots}</span>'
        f'<span class="bar"><span class="fill" data-slot="{slot}" style="{fill}"></span></span></div></div>'
    )
