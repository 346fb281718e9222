"""Memory of the Grand forum screen over many rotations: does the server grow per slide?

    python bench/bench_screen_memory.py [--db PATH] [--periode 1] [--rotations 200]

Starts a Streamlit server on the database (a fresh one at demo scale 1 when --db is not
given), opens /ecran in Chromium at 1920×1080 with every outside request blocked, lets the
slides rotate on their own and samples the server process's resident memory (VmRSS from
/proc, no psutil needed) and the page's JavaScript heap after 10 rotations, then every 50.
A rotation is one new slide drawn by the page (one fragment run).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"

COUNT_SLIDES = """() => {
  window.__slots = new Set();
  const check = () => {
    const f = document.querySelector('.ecran-foot .fill');
    if (f) window.__slots.add(f.getAttribute('data-slot'));
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, attributes: true});
  check();
}"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "ECOTRANSITION_DB": str(db)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: a fresh build at demo scale 1)")
    parser.add_argument("--periode", type=float, default=1.0, help="seconds per slide")
    parser.add_argument("--rotations", type=int, default=200)
    parser.add_argument("--diapos", default="chiffres,solaire,parcs,evenements,investissements")
    args = parser.parse_args(argv)
    # A kill ends the server too (the finally clause below runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from playwright.sync_api import sync_playwright

    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db) if args.db else Path(tmp.name) / "ecran.duckdb"
    if not args.db:
        from ecotransition.data.build import build
        build(db, 1, progress=lambda f, m: None)

    checkpoints = sorted({10, args.rotations, *range(50, args.rotations, 50)})
    proc, url = start_server(db)
    rows, outside, frozen = [], [], None
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1920, "height": 1080})

            def route(r):
                host = r.request.url.split("/")[2].split(":")[0] if "://" in r.request.url else ""
                if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            rss_start = rss_kib(proc.pid)
            page.goto(f"{url}/ecran?periode={args.periode:g}&diapos={args.diapos}")
            page.wait_for_selector(".ecran-foot", timeout=60_000)
            page.evaluate(COUNT_SLIDES)
            t0 = time.time()
            deadline = t0 + args.rotations * args.periode * 4 + 120
            last, last_change = 0, time.time()
            for target in checkpoints:
                while (n := page.evaluate("window.__slots.size")) < target:
                    if n != last:
                        last, last_change = n, time.time()
                    if time.time() > deadline or time.time() - last_change > 30 + 10 * args.periode:
                        frozen = f"the show stopped after {n} rotations ({time.time() - t0:.0f} s)"
                        print(frozen, file=sys.stderr)
                        break
                    page.wait_for_timeout(200)
                else:
                    frozen = None
                if frozen:
                    break
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                rows.append((n, time.time() - t0, rss_kib(proc.pid), metrics["JSHeapUsedSize"] / 2**20,
                             int(metrics["Nodes"])))
                print(f"  {n:>4} rotations after {rows[-1][1]:6.1f} s", file=sys.stderr, flush=True)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        tmp.cleanup()

    database = args.db or "fresh build, demo scale 1"
    print(f"/ecran, periode={args.periode:g} s, diapos={args.diapos}, database: {database}")
    print(f"server RSS before the page opened: {rss_start / 1024:.1f} MiB")
    print(f"{'rotations':>9} {'elapsed s':>9} {'server RSS MiB':>14} {'page JS heap MiB':>16} {'DOM nodes':>9}")
    for n, t, rss, heap, nodes in rows:
        print(f"{n:>9} {t:>9.1f} {rss / 1024:>14.1f} {heap:>16.1f} {nodes:>9}")
    (n10, _, r10, *_), (nlast, _, rlast, *_) = rows[0], rows[-1]
    print(f"server RSS after {nlast} rotations minus after {n10}: {(rlast - r10) / 1024:+.1f} MiB "
          f"({(rlast - r10) / max(nlast - n10, 1):+.1f} KiB per rotation)")
    print(f"requests outside 127.0.0.1: {len(outside)}")
    if frozen:
        print(f"WARNING: {frozen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
