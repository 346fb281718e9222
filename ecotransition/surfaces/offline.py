"""Leaflet served by the app itself, so that maps draw with no internet.

folium's Map (and some plugins) declare their JavaScript and CSS as CDN URLs, and
streamlit-folium's component loads whatever `default_js`/`default_css` says when the
map is shown. With no internet the map stays blank. So at start-up Leaflet is copied
from the `xstatic-leaflet` registry package into `static/vendor/` (served by Streamlit
at `/app/static/` with `server.enableStaticServing`), and every map is pointed at those
copies before it is rendered; assets nobody needs (jQuery, Bootstrap, Font Awesome,
awesome-markers) are dropped. An element asking for anything else is refused rather than
silently fetched from a CDN.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

import branca.colormap
import branca.element
import xstatic.pkg.leaflet as xleaflet

from ecotransition.core.paths import ROOT

STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
LEAFLET_VERSION = xleaflet.VERSION
LEAFLET_DIR_NAME = f"leaflet-{LEAFLET_VERSION}"  # versioned: a new release never meets a stale browser cache
LEAFLET_FILES = (
    "leaflet.js", "leaflet.css",
    "images/layers.png", "images/layers-2x.png",
    "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png",
)

# streamlit-folium loads the assets from inside its component iframe, served at
# <base>/component/streamlit_folium.st_folium/index.html. A URL relative to that page
# reaches <base>/app/static/ whatever server.baseUrlPath is.
DEFAULT_BASE_URL = "../../app/static/vendor"

# What may be loaded, by folium's asset name; every other asset is dropped, and an
# unknown one is an error (it would come from a CDN).
LOCAL_JS = {"leaflet": "leaflet.js"}
LOCAL_CSS = {"leaflet_css": "leaflet.css"}
DROPPED = {
    # Map's extras: popups built by folium.Popup need jQuery, Marker icons need the rest.
    # The dashboard's maps use neither (GeoJson layers with GeoJsonPopup/GeoJsonTooltip).
    "jquery", "bootstrap", "awesome_markers",
    "bootstrap_css", "glyphicons_css", "awesome_markers_font_css", "awesome_markers_css",
    "awesome_rotate_css",
}

_lock = threading.Lock()
_installed: Path | None = None


class RemoteAssetError(ValueError):
    """A map element needs a JS/CSS file that is not served locally."""


def _source_dir() -> Path:
    return Path(xleaflet.BASE_DIR)


def _complete(folder: Path) -> bool:
    src = _source_dir()
    return all(
        (folder / name).is_file() and (folder / name).stat().st_size == (src / name).stat().st_size
        for name in LEAFLET_FILES
    )


def install(vendor_dir: Path = VENDOR_DIR) -> Path:
    """Copy Leaflet into vendor_dir/leaflet-<version>/ (idempotent, safe when several
    processes start at once: files are copied to a private folder that is then renamed)."""
    dest = vendor_dir / LEAFLET_DIR_NAME
    if _complete(dest):
        return dest
    vendor_dir.mkdir(parents=True, exist_ok=True)
    tmp = vendor_dir / f".{LEAFLET_DIR_NAME}.{os.getpid()}.{threading.get_ident()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    src = _source_dir()
    for name in LEAFLET_FILES:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, tmp / name)
    if dest.exists() and not _complete(dest):
        shutil.rmtree(dest, ignore_errors=True)
    try:
        tmp.rename(dest)
    except OSError:
        # Another process renamed its copy first: use that one.
        shutil.rmtree(tmp, ignore_errors=True)
    if not _complete(dest):
        raise OSError(f"could not install Leaflet into {dest}")
    return dest


def ensure_assets() -> Path | None:
    """Install the assets once per process; None when the static folder is not writable
    (the page then warns that the map needs them)."""
    global _installed
    if _installed is not None and _complete(_installed):
        return _installed
    with _lock:
        try:
            _installed = install()
        except OSError:
            _installed = None
    return _installed


def asset_urls(base_url: str = DEFAULT_BASE_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(default_js, default_css) lists, in folium's (name, url) form, for the local copies."""
    root = f"{base_url.rstrip('/')}/{LEAFLET_DIR_NAME}"
    js = [(name, f"{root}/{file}") for name, file in LOCAL_JS.items()]
    css = [(name, f"{root}/{file}") for name, file in LOCAL_CSS.items()]
    return js, css


def walk(element) -> Iterator:
    """The element and all its descendants (what streamlit-folium collects assets from)."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def localize(fmap, base_url: str = DEFAULT_BASE_URL):
    """Point every element of the map at the local assets, in place; returns the map.

    Instance attributes shadow folium's class-level CDN lists, so other maps and the
    folium classes themselves are left untouched.
    """
    js_local, css_local = asset_urls(base_url)
    js_by_name, css_by_name = dict(js_local), dict(css_local)
    for element in walk(fmap):
        if isinstance(element, branca.colormap.ColorMap):
            raise RemoteAssetError("branca colormaps load d3 from a CDN; draw the legend in HTML")
        for attr, local in (("default_js", js_by_name), ("default_css", css_by_name)):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            kept = []
            for name, url in assets:
                if name in local:
                    kept.append((name, local[name]))
                elif name not in DROPPED:
                    raise RemoteAssetError(
                        f"{type(element).__name__} needs {name} ({url}), not served locally")
            setattr(element, attr, kept)
    return fmap


def asset_links(fmap) -> tuple[list[str], list[str]]:
    """The JS and CSS URLs streamlit-folium will load for this map (same walk as st_folium)."""
    js, css = [], []
    for element in walk(fmap):
        js += [url for _, url in getattr(element, "default_js", [])]
        css += [url for _, url in getattr(element, "default_css", [])]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))
