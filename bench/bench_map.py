"""Time until /carte has drawn its 150 communes in Chromium, and the size of the map payload.

cold   = first visit of /carte after the server started (empty caches: queries, map build,
         Python imports of the page), in a fresh browser context;
warm   = reload of the same page (server caches and browser cache warm);
fresh  = a new browser context on the warm server (server caches warm, browser cache empty);
switch = another indicator chosen in the URL (a miss of the map cache);
warm_ready = the warm reload until the script run is over (map not necessarily drawn yet);
reference  = a warm reload of /evenements (no map) until its script run is over, for scale.
"Drawn" means 150 `path.ea-commune` elements in the map's iframe. Every request outside
127.0.0.1 is blocked, as in the tests. The payload is what st_folium sends for the map
(script + html + header + asset lists, as JSON) and the largest WebSocket message.

    python bench/bench_map.py [--db PATH] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import CHROMIUM, READY_JS, offline_context, start_server  # noqa: E402

FRAME = 'iframe[title="streamlit_folium.st_folium"]'
PATHS = "path.ea-commune"


def blocked_context(browser, outside: list):
    return offline_context(browser, outside, viewport={"width": 1500, "height": 1000})




def ready(page, t0: float) -> float:
    """Time until the app's script run is over (the map may still be drawing)."""
    page.wait_for_function(READY_JS, timeout=180_000, polling=50)
    return time.perf_counter() - t0


def drawn(page, t0: float) -> float:
    page.frame_locator(FRAME).locator(PATHS).nth(149).wait_for(state="attached", timeout=180_000)
    elapsed = time.perf_counter() - t0
    assert page.frame_locator(FRAME).locator(PATHS).count() == 150
    return elapsed


def payload_sizes(db: Path) -> dict:
    """Sizes of what st_folium sends for the default map (population, no year)."""
    import duckdb
    from streamlit_folium import _get_header, _get_html, _get_map_string

    from ecotransition.data import sql
    from ecotransition.surfaces import maps

    c = duckdb.connect(str(db), read_only=True)
    try:
        data = maps.load_data(lambda name, **params: sql.run(c, name, **params))
    finally:
        c.close()
    out = {}
    for key in ("population", "solar_uptake", "events"):
        t0 = time.perf_counter()
        m = maps.build_map(data, key)
        build = time.perf_counter() - t0
        m.get_root().render()
        html, header, script = _get_html(m), _get_header(m), _get_map_string(m)
        args = json.dumps({"script": script, "html": html, "header": header})
        communes = next(e for e in m._children.values() if getattr(e, "layer_name", "").startswith("Communes"))
        geojson = json.dumps(communes.data, separators=(",", ":"))
        out[key] = {"build_s": build, "args_bytes": len(args.encode()),
                    "args_gzip_bytes": len(gzip.compress(args.encode())),
                    "communes_geojson_bytes": len(geojson.encode())}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database (default: a fresh build at demo scale 1)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.db:
        db = Path(args.db)
    else:
        from ecotransition.data.build import build
        db = Path(tempfile.mkdtemp()) / "bench_map.duckdb"
        build(db, 1, progress=lambda f, m: None)

    load0 = os.getloadavg()
    sizes = payload_sizes(db)
    results = {"cold": [], "warm": [], "fresh": [], "switch": [], "warm_ready": [], "reference": []}
    ws_largest, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(args.repeat):
            proc, url = start_server(db)
            try:
                ctx = blocked_context(browser, outside)
                page = ctx.new_page()
                frames: list[int] = []
                page.on("websocket", lambda ws: ws.on(
                    "framereceived", lambda p: frames.append(len(p if isinstance(p, bytes) else p.encode()))))
                t0 = time.perf_counter()
                page.goto(f"{url}/carte")
                results["cold"].append(drawn(page, t0))
                ws_largest.append(max(frames))
                t0 = time.perf_counter()
                page.reload()
                results["warm_ready"].append(ready(page, t0))
                results["warm"].append(drawn(page, t0))
                # The same reload of a page without a map, for scale (the machine's own pace).
                page.goto(f"{url}/evenements")
                ready(page, time.perf_counter())
                t0 = time.perf_counter()
                page.reload()
                results["reference"].append(ready(page, t0))
                ctx.close()
                ctx = blocked_context(browser, outside)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(f"{url}/carte")
                results["fresh"].append(drawn(page, t0))
                t0 = time.perf_counter()
                page.goto(f"{url}/carte?indicateur=Taux%20de%20valorisation%20solaire")
                results["switch"].append(drawn(page, t0))
                ctx.close()
            finally:
                proc.terminate()
                proc.wait(10)
        browser.close()

    print(f"database: {db} ({db.stat().st_size / 2**20:.1f} MiB), {args.repeat} run(s), median [min–max] in s, "
          f"load average {load0[0]:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, values in results.items():
        print(f"  {name:<7} {statistics.median(values):6.2f}  [{min(values):.2f}–{max(values):.2f}]")
    print(f"  requests outside 127.0.0.1: {len(outside)}")
    print(f"  largest WebSocket message on a cold load: {max(ws_largest) / 1024:.0f} KiB")
    for key, s in sizes.items():
        print(f"  map '{key}': st_folium payload {s['args_bytes'] / 1024:.0f} KiB "
              f"({s['args_gzip_bytes'] / 1024:.0f} KiB gzipped), communes GeoJSON "
              f"{s['communes_geojson_bytes'] / 1024:.0f} KiB, build {s['build_s']:.2f} s")
    from ecotransition.surfaces import offline
    leaflet = offline.install()
    static = sum((leaflet / f).stat().st_size for f in ("leaflet.js", "leaflet.css"))
    print(f"  Leaflet from /app/static (browser-cached): {static / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
