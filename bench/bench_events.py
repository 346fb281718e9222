"""Time /evenements in Chromium with a whole agenda imported: 100 000 events by default.

Builds a scale-1 database (or copies `--db`), writes a deterministic agenda CSV (the import
template's columns: 80 % in one of the 150 communes, the rest outside, online or without a
place; 60 % with a participants count; 2023 to 2027, so that some are upcoming) and imports
it with the import command, as staff would (`python -m ecotransition.imports events FILE`).
Then, in Chromium (ready = the readiness check of bench_pages.py):
- cold: the first visit after the server started;
- warm: the same URL loaded again (a new page load, the server's caches warm);
- filter (app): another agglomeration chosen in the sidebar (a query-cache miss);
- filter (URL): a link with an agglomeration and a theme;
- next page: the list's next page;
- and, for the machine's load at that moment, the warm reload of /solaire (four charts).

    python bench/bench_events.py [--events 100000] [--repeat 3] [--db BASE.duckdb]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import bench_pages  # noqa: E402
import duckdb  # noqa: E402
from bench_pages import FILTERS, Frames, choose_epci, in_app, load  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import CHROMIUM, start_server  # noqa: E402

THEMES = ["Concert", "Théâtre", "Sport", "Randonnée", "Marché", "Exposition", "Cinéma", "Conférence",
          "Chaîne des parcs", "Gouvernance", "Atelier", "Festival", "Brocante", "Jeune public"]


def write_agenda(path: Path, n: int, communes: list[tuple[str, str, float, float]], seed: int = 12) -> None:
    """`n` events in the import template's columns, the same file for the same n and seed."""
    rnd = random.Random(seed)
    places = {code: [f"{kind} de {name}" for kind in ("Salle des fêtes", "Stade", "Église", "Parc", "Médiathèque",
                                                      "Place", "Centre culturel", "École")]
              for code, name, _, _ in communes}
    outside = [f"{kind}, {town}" for town in ("Lille", "Arras", "Douai", "Amiens", "Paris", "Valenciennes")
               for kind in ("Grand Palais", "Zénith", "Parc des expositions", "Théâtre")]
    first = date(2023, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["titre", "date_debut", "date_fin", "lieu", "code_insee", "theme", "participants",
                    "latitude", "longitude", "identifiant", "description"])
        for k in range(n):
            start = first + timedelta(days=rnd.randrange(5 * 365))
            end = start + timedelta(days=rnd.choice((0, 0, 0, 0, 1, 2, 6)))
            theme = rnd.choice(THEMES)
            kind = rnd.random()
            code, place, lat, lon = "", "", "", ""
            if kind < 0.80:
                code, _, clat, clon = communes[rnd.randrange(len(communes))]
                place = rnd.choice(places[code])
                lat, lon = f"{clat + rnd.uniform(-0.01, 0.01):.5f}", f"{clon + rnd.uniform(-0.01, 0.01):.5f}"
            elif kind < 0.95:
                place = rnd.choice(outside)
            elif kind < 0.98:
                place = "En ligne (visio)"
            people = str(rnd.choice((15, 40, 80, 150, 300, 1200, 5000))) if rnd.random() < 0.6 else ""
            w.writerow([f"{theme} n° {k + 1}", start.strftime("%d/%m/%Y"), end.strftime("%d/%m/%Y"), place, code,
                        theme, people, lat, lon, f"agenda-{k + 1}", ""])


def prepare(db: Path, n: int) -> None:
    """A scale-1 database with an agenda of `n` events imported by the import command."""
    subprocess.run([sys.executable, "-m", "ecotransition.build", "--db", str(db)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    with duckdb.connect(str(db), read_only=True) as c:
        communes = c.execute("SELECT code, name, lat, lon FROM communes ORDER BY code").fetchall()
    agenda = db.with_name("agenda.csv")
    write_agenda(agenda, n, communes)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ecotransition.imports", "events", str(agenda), "--db", str(db)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"import of {n} events: {time.perf_counter() - t0:.1f} s")


def next_page(page, frames: Frames) -> float | None:
    button = page.get_by_role("button", name="Page suivante")
    if not button.count():
        return None
    return in_app(page, frames, lambda: button.first.click())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="a database that already holds the agenda (copied, not changed)")
    parser.add_argument("--keep", type=Path, help="keep the database with the agenda at this path")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a page counts as never ready")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
    db = tmp / "events.duckdb"
    if args.db:
        shutil.copyfile(args.db, db)
    else:
        prepare(db, args.events)
    with duckdb.connect(str(db), read_only=True) as c:
        n = c.execute("SELECT count(*) FROM events").fetchone()[0]
    bench_pages.TIMEOUT_MS = int(args.timeout * 1000)
    proc, base = start_server(db)
    url = f"{base}/evenements"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            frames = Frames(page)
            cold = load(page, url)
            warm = [load(page, url) for _ in range(args.repeat)]
            by_app = [choose_epci(page, frames, FILTERS[i % len(FILTERS)]) for i in range(args.repeat)]
            load(page, url)
            pages = [t for t in (next_page(page, frames) for _ in range(args.repeat)) if t is not None]
            by_url = [load(page, f"{url}?epci={FILTERS[i % len(FILTERS)]}&theme={THEMES[i]}")
                      for i in range(args.repeat)]
            # The same reload of another chart page, for the machine's load at the time.
            reference = [load(page, f"{base}/solaire") for _ in range(args.repeat)]
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
        if args.keep:
            shutil.copyfile(db, args.keep)
        shutil.rmtree(tmp, ignore_errors=True)

    def fmt(values):
        return f"{statistics.median(values):.2f} ({' / '.join(f'{v:.2f}' for v in values)})" if values else "-"

    print(f"/evenements with {n} events in the database, seconds (median, then each run)")
    print(f"cold          {cold:.2f}")
    print(f"warm          {fmt(warm)}")
    print(f"filter (app)  {fmt(by_app)}")
    print(f"filter (URL)  {fmt(by_url)}")
    print(f"next page     {fmt(pages)}")
    print(f"/solaire warm {fmt(reference)}  (reference: another page with charts, same moment)")
    print("target: warm <= 2 s")


if __name__ == "__main__":
    main()
