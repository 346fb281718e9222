"""What a room of new phones costs in static files: Streamlit's frontend, before any page runs.

A phone that opens the dashboard for the first time downloads Streamlit's JavaScript, styles
and fonts (`/static/…`: about 100 files, 3 MB for the home page, 130 files and 4.8 MB for
/carte). `load_ws.py` speaks the WebSocket protocol only and counts none of it. This script
records, in Chromium through the deployment of `deploy/stack.py` (2 replicas), which
`/static/` files a first visit of each page fetches, then has N phones fetch them at once
(16 at a time, each with its own replica cookie, as gzip-capable browsers):

- *through nginx*: as deployed; nginx serves the files from its precompressed copy;
- *from a replica*: the same requests sent to one replica's own port, which is what the
  replicas served before nginx took these files over, and what `streamlit run` serves.

It prints, per page, the bytes on the wire a phone, the replicas' and nginx's CPU seconds a
phone (from /proc) and the wall time. The client's own CPU (Python, the same 2 cores) is in
neither.

    python bench/bench_assets.py --db /tmp/s16.duckdb [--phones 40] [--pages / /carte]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

import stack as deploy  # noqa: E402
from conftest import CHROMIUM, _free_port, wait_ready  # noqa: E402
from load_ws import cpu_seconds  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def first_visit(base: str, page: str) -> list[str]:
    """The /static/ paths a fresh Chromium context fetches to show `page` (phone viewport)."""
    seen: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844})
        tab = context.new_page()
        tab.on("requestfinished", lambda r: seen.append(urlsplit(r.url).path))
        tab.goto(base + page)
        wait_ready(tab, 120_000)
        tab.wait_for_timeout(3000)   # lazy chunks (charts, map) after the run
        browser.close()
    return list(dict.fromkeys(p for p in seen if p.startswith("/static/")))


def nginx_pids(run: Path) -> list[int]:
    master = int((run / "nginx.pid").read_text())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def phones(base: str, paths: list[str], n: int) -> tuple[float, float]:
    """N phones fetch `paths` (16 at a time); (bytes on the wire per phone, wall seconds)."""
    def phone(_k: int) -> int:
        headers = {"Cookie": "eco_replica=" + secrets.token_hex(16), "Accept-Encoding": "gzip, deflate, br"}
        size = 0
        for path in paths:
            with OPENER.open(urllib.request.Request(base + path, headers=headers), timeout=60) as r:
                size += len(r.read())
        return size

    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        sizes = list(pool.map(phone, range(n)))
    return sum(sizes) / n, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--pages", nargs="+", default=["/", "/carte"])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-assets-"))
    db = tmp / "eco.duckdb"
    shutil.copyfile(args.db, db)
    print(f"machine: {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.1f}; {args.phones} phones a page")
    running = deploy.start(replicas=2, public_port=_free_port(), staff_port=_free_port(), db=db,
                           run=tmp / "stack", environ=dict(os.environ))
    try:
        replicas = [p.pid for p in running.procs[:2]]
        web = nginx_pids(running.run)
        print(f"{'page':<8} {'served by':<14} {'files':>5} {'MB a phone':>11} {'replicas CPU s':>15} "
              f"{'nginx CPU s':>12} {'wall s':>7}")
        for page in args.pages:
            paths = first_visit(running.public_url, page)
            for label, base in (("nginx", running.public_url), ("a replica", running.replica_urls[0])):
                r0, n0 = sum(map(cpu_seconds, replicas)), sum(map(cpu_seconds, web))
                size, wall = phones(base, paths, args.phones)
                r1, n1 = sum(map(cpu_seconds, replicas)), sum(map(cpu_seconds, web))
                print(f"{page:<8} {label:<14} {len(paths):>5} {size / 1e6:>11.2f} {(r1 - r0) / args.phones:>15.4f} "
                      f"{(n1 - n0) / args.phones:>12.4f} {wall:>7.1f}", flush=True)
        print("CPU seconds a phone: the process's CPU over the run / phones (the client's is in neither)")
    finally:
        running.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
