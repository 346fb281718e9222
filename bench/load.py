"""Concurrent viewers while an import runs: p50/p95 time to ready, errors, no mixed state.

For each N, N browser contexts (Playwright, Chromium) open the overview, the map and a
thematic page with different filters at the same time, while `python -m
ecotransition.imports` loads an events file in another process (--imports 0: one import
after the other for the whole wave, a stress case). Meanwhile a reader
checks, on every version of the database file it sees, that the events table and the
imports log moved together (old state or new state, never a mix).

    python bench/load.py --db /tmp/s16.duckdb [--sizes 10 20 30]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from conftest import CHROMIUM, READY_JS, start_server  # noqa: E402
from deploy import warm  # noqa: E402
from ecotransition.data.db import stamp  # noqa: E402

ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
EPCIS = ["CABBALR", "CALL", "CAHC"]
# The thematic pages each viewer may open filtered, as the deployment warms them (one list).
THEMATIC = [page.lstrip("/") for page in warm.THEMATIC]
# Each viewer is a phone or a laptop with the page in front: without these, Chromium treats
# all but one of the contexts as background pages and throttles their timers and frames.
FOREGROUND = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
              "--disable-backgrounding-occluded-windows"]


def import_loop(db: Path, stop: threading.Event, tmp: Path, log: list, runs: int) -> None:
    """`runs` imports one after the other (0: until stopped)."""
    k = 0
    while not stop.is_set() and (runs == 0 or k < runs):
        k += 1
        f = tmp / f"events-{k}.csv"
        f.write_text(
            "titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            f"Essai de charge {k};15/06/2024;15/06/2024;Lens;62498;Gouvernance;{k}\n",
            encoding="utf-8",
        )
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "ecotransition.imports", "events", str(f), "--db", str(db)],
                           cwd=ROOT, capture_output=True, text=True)
        log.append((r.returncode, time.perf_counter() - t0, r.stderr[-300:]))


def consistency_loop(db: Path, stop: threading.Event, seen: dict, problems: list) -> None:
    """Each file version must hold as many load-test events as successful load-test imports."""
    while not stop.is_set():
        version = stamp(db)
        if version in seen:
            time.sleep(0.05)
            continue
        try:
            c = duckdb.connect(str(db), read_only=True)
            ev = c.execute("SELECT count(*) FROM events WHERE title LIKE 'Essai de charge %'").fetchall()[0][0]
            imp = c.execute(
                "SELECT count(*) FROM imports WHERE dataset = 'events' AND file_name LIKE 'events-%' "
                "AND rows_loaded > 0").fetchall()[0][0]
            c.close()
        except duckdb.Error as exc:  # the file was swapped while opening: read the next one
            problems.append(f"open failed: {exc.__class__.__name__}")
            continue
        seen[version] = (ev, imp)
        if ev != imp:
            problems.append(f"mixed state: {ev} events vs {imp} imports")


async def visit(browser, base: str, k: int) -> list[tuple[str, float, bool]]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    out = []
    for path in ("", "carte", f"{THEMATIC[k % len(THEMATIC)]}?epci={EPCIS[k % 3]}"):
        t0 = time.perf_counter()
        try:
            await page.goto(f"{base}/{path}", timeout=60_000)
            await page.wait_for_function(READY_JS, timeout=60_000, polling=100)
            ok = await page.locator(ERROR).count() == 0
        except Exception:  # noqa: BLE001 - a timeout counts as an error, the run goes on
            ok = False
        out.append((path or "/", time.perf_counter() - t0, ok))
    await ctx.close()
    return out


async def viewers(base: str, n: int) -> list[tuple[str, float, bool]]:
    """N viewers at once, each in its own browser context (own cookies, own session)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", *FOREGROUND])
        try:
            batches = await asyncio.gather(*(visit(browser, base, k) for k in range(n)))
        finally:
            await browser.close()
    return [v for batch in batches for v in batch]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--imports", type=int, default=1,
                        help="imports run during each wave (0: one after the other until the wave ends)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db = tmp / "load.duckdb"
        shutil.copyfile(args.db, db)
        proc, base = start_server(db)
        results = []
        try:
            for n in args.sizes:
                stop = threading.Event()
                imports, seen, problems = [], {}, []
                workers = [
                    threading.Thread(target=import_loop, args=(db, stop, tmp, imports, args.imports)),
                    threading.Thread(target=consistency_loop, args=(db, stop, seen, problems)),
                ]
                for w in workers:
                    w.start()
                t0 = time.perf_counter()
                visits = asyncio.run(viewers(base, n))
                wall = time.perf_counter() - t0
                stop.set()
                for w in workers:
                    w.join()
                times = [t for _, t, _ in visits]
                errors = sum(not ok for _, _, ok in visits)
                loaded = sum(1 for rc, _, _ in imports if rc == 0)
                results.append((n, len(visits), pct(times, 0.5), pct(times, 0.95), errors, wall,
                                len(imports), loaded, len(seen), len(problems)))
                if problems:
                    print("problems:", problems[:5])
                failed = [e for rc, _, e in imports if rc != 0]
                if failed:
                    print("failed imports:", failed[:2])
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"database: copy of {args.db}")
    print(f"{'N':>3} {'views':>6} {'p50 s':>7} {'p95 s':>7} {'errors':>7} {'wall s':>7} "
          f"{'imports':>8} {'loaded':>7} {'versions':>9} {'mixed':>6}")
    for row in results:
        print("{:>3} {:>6} {:>7.2f} {:>7.2f} {:>7} {:>7.1f} {:>8} {:>7} {:>9} {:>6}".format(*row))
    print("target at N=30: p95 <= 5 s, 0 errors, 0 mixed states")


if __name__ == "__main__":
    main()
