"""The screen's HTML and CSS (escaped text, sizes relative to the screen), its QR code drawn
locally with segno, and the watchdog that reloads a stalled show.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import segno

from ecotransition.core.labels import DEMO_BADGE, DEMO_TITLE
from ecotransition.surfaces.screen.model import FIGURE_PX, PALETTES, QR_PX, TEXT_PX, Figure, Item, Slide

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
    return (f'<img class="ecran-qr-code" src="{uri}" alt="{label}" aria-label="{label}" '
            f'width="{QR_PX}" height="{QR_PX}">')


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


def css(theme: str) -> str:
    """Page CSS: hides Streamlit's chrome and draws the slides (style-only, so Streamlit puts
    it out of the layout)."""
    p = PALETTES[theme]
    return f"""<style>
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
  max-width: 100% !important; padding: 22px 40px 100px 40px !important;
}}
/* A fragment rerun greys the previous slide out while the next one is computed: not on a screen. */
[data-stale="true"] {{ opacity: 1 !important; transition: none !important; }}
[data-testid="stSkeleton"] {{ display: none !important; }}
.ecran {{ font-family: "Source Sans", "Source Sans Pro", "DejaVu Sans", sans-serif; color: {p.text};
  font-size: {TEXT_PX}px; line-height: 1.2; }}
.ecran * {{ font-size: inherit; }}
.ecran-top {{ display: flex; align-items: flex-start; gap: 36px; }}
.ecran-heading {{ flex: 1 1 auto; min-width: 0; }}
.ecran h1.ecran-title {{ font-size: 66px; font-weight: 800; margin: 0 0 10px 0; padding: 0;
  color: {p.text}; line-height: 1.05; letter-spacing: -0.5px; }}
.ecran .ecran-message {{ font-size: 38px; color: {p.muted}; margin: 0; max-width: 1250px; }}
.ecran .ecran-badge {{ display: inline-block; background: {p.demo_bg}; color: {p.demo_text};
  font-weight: 700; font-size: {TEXT_PX}px; padding: 4px 14px; border-radius: 8px; margin-top: 14px; }}
.ecran-qr {{ flex: 0 0 auto; display: flex; align-items: center; gap: 20px; }}
.ecran-qr-text {{ text-align: right; max-width: 330px; color: {p.muted}; }}
.ecran-qr-text strong {{ color: {p.text}; display: block; }}
.ecran-qr-url {{ word-break: break-all; }}
.ecran-qr img {{ width: {QR_PX}px; height: {QR_PX}px; display: block; border-radius: 6px; }}
.ecran-figures {{ display: grid; gap: 26px; }}
.ecran-figures.row {{ grid-template-columns: repeat(var(--n), 1fr); margin-top: 40px; }}
.ecran-figures.column {{ grid-template-columns: 1fr; }}
.ecran-figure {{ background: {p.panel}; border-radius: 18px; padding: 26px 30px; border-left: 10px solid {p.accent}; }}
.ecran-figure.demo {{ border-left-color: {p.demo_bg}; }}
.ecran .ecran-value {{ font-size: {FIGURE_PX}px; font-weight: 800; line-height: 1.0; color: {p.text};
  white-space: nowrap; letter-spacing: -1px; }}
.ecran-figures.column {{ gap: 20px; }}
.ecran-figures.column .ecran-figure {{ padding: 20px 30px; }}
.ecran-figures.column .ecran-value {{ font-size: 80px; }}
.ecran-figures.alone {{ margin-top: 44px; }}
.ecran-figures.alone .ecran-figure {{ padding: 34px 40px; }}
.ecran-figures.alone .ecran-value {{ font-size: 124px; }}
.ecran-figures.alone .ecran-label {{ font-size: 40px; }}
.ecran .ecran-label {{ font-size: 34px; font-weight: 600; margin-top: 10px; color: {p.text}; }}
.ecran .ecran-meta {{ font-size: {TEXT_PX}px; color: {p.muted}; margin-top: 8px; }}
.ecran .ecran-meta .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 0 8px; border-radius: 6px;
  font-weight: 700; }}
.ecran-items {{ list-style: none; margin: 34px 0 0 0 !important; padding: 0 !important; display: grid; gap: 22px; }}
.ecran-items li {{ margin: 0 !important; }}
.ecran-item {{ background: {p.panel}; border-radius: 16px; padding: 22px 30px; display: flex; gap: 36px;
  align-items: baseline; border-left: 10px solid {p.accent}; }}
.ecran-item .when {{ flex: 0 0 420px; font-weight: 700; color: {p.accent}; font-size: 34px; }}
.ecran-item .what {{ flex: 1 1 auto; min-width: 0; }}
.ecran-item .title {{ font-size: 42px; font-weight: 700; color: {p.text}; }}
.ecran-item .detail {{ color: {p.muted}; margin-top: 6px; }}
.ecran-foot {{ position: fixed; left: 0; right: 0; bottom: 0; padding: 16px 40px 18px 40px;
  display: flex; align-items: center; gap: 30px; background: {p.panel}; color: {p.muted};
  font-size: {TEXT_PX}px; z-index: 1000; }}
.ecran-foot .sources {{ flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.ecran-foot .stamp {{ flex: 0 0 auto; color: {p.text}; font-weight: 600; }}
.ecran-foot .demo {{ color: {p.demo_text}; background: {p.demo_bg}; padding: 2px 10px; border-radius: 6px;
  font-weight: 700; }}
.ecran-progress {{ flex: 0 0 auto; display: flex; align-items: center; gap: 16px; }}
.ecran-progress .dots {{ display: flex; gap: 10px; }}
.ecran-progress .dot {{ width: 16px; height: 16px; border-radius: 50%; background: {p.muted}; opacity: .45; }}
.ecran-progress .dot.on {{ background: {p.accent}; opacity: 1; }}
.ecran-progress .bar {{ width: 260px; height: 14px; border-radius: 7px; background: {p.muted}40; overflow: hidden; }}
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
    """Figures and list of a slide without chart."""
    out = ""
    if slide.figures:
        out += figures_html(slide.figures, "row", alone=not slide.items)
    if slide.items:
        out += items_html(slide.items, columns=2 if slide.figures else 1)
    return out


def footer_html(slide: Slide, stamp: str, position: int, count: int, period: float, since: float,
                slot: int = 0) -> str:
    """Sources, demo mark, data date and the progress of the show (fixed at the bottom)."""
    sources = slide.sources
    text = "Source : " + " ; ".join(_e(s) for s in sources) if sources else ""
    demo = f' <span class="demo">{DEMO_BADGE}</span>' if slide.demo else ""
    dots = "".join(f'<span class="dot{" on" if k == position else ""}"></span>' for k in range(count))
    # The bar fills in CSS from the moment the slide appeared: no rerun needed to move it.
    fill = f'animation-duration:{period:.3f}s;animation-delay:-{min(since, period):.3f}s'
    return (
        f'<div class="ecran ecran-foot"><div class="sources">{text}{demo}</div>'
        f'<div class="stamp">{_e(stamp)}</div>'
        f'<div class="ecran-progress" role="progressbar" aria-label="Diapositive {position + 1} sur {count}, '
        f'prochaine dans {max(period - since, 0):.0f} s">'
        f'<span>{position + 1}/{count}</span><span class="dots">{dots}</span>'
        f'<span class="bar"><span class="fill" data-slot="{slot}" style="{fill}"></span></span></div></div>'
    )
