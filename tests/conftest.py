"""Shared fixtures: one database built once per test session, and a live server for browser tests."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, time as day_start, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecotransition.data.build import build  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
APP = str(ROOT / "dashboard.py")
# The app has finished its script run and drawn its main area (the benchmarks time this).
READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
      && document.querySelector('[data-testid="stMain"]')
      && !document.querySelector('[data-testid="stSkeleton"]');
}"""
PAGES = ["", "investissements", "solaire", "chaine-des-parcs", "evenements", "carte", "ecran", "donnees"]


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The default database (demo scale 1), built once; tests must not modify it."""
    path = tmp_path_factory.mktemp("db") / "ecotransition.duckdb"
    build(path, 1, progress=lambda f, m: None)
    os.environ["ECOTRANSITION_DB"] = str(path)
    return path


def data_sums(db: Path) -> dict:
    """Checksums of every data table (the imports log left out): equal before and after a refusal."""
    from ecotransition.data.db import CONTRACT_TABLES, checksums

    with duckdb.connect(str(db), read_only=True) as c:
        return checksums(c, [t for t in CONTRACT_TABLES if t != "imports"])


def rows(db: Path, sql: str, **params) -> list[tuple]:
    """The rows of a query on the database file, read-only."""
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute(sql, params).fetchall()


def metric_values(conn) -> tuple:
    """Every metrics_* result on this connection, as the map reads them (the metric layer's input)."""
    from ecotransition.core import metrics
    from ecotransition.data import sql

    return tuple(sql.run(conn, q) for q in metrics.QUERIES)


def make_gaps_db(path: Path) -> Path:
    """tests/fixtures/gaps.sql over the schema, with its derived tables: 4 communes, with gaps."""
    from ecotransition.core.paths import QUERIES_DIR
    from ecotransition.data import sql

    c = duckdb.connect(str(path))
    try:
        c.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
        sql.create_macros(c)
        c.execute((ROOT / "tests" / "fixtures" / "gaps.sql").read_text(encoding="utf-8"))
        for name in sql.DERIVED:
            sql.materialize(c, name)
        sql.create_views(c)
    finally:
        c.close()
    return path


@pytest.fixture(scope="session")
def gaps_db(tmp_path_factory) -> Path:
    """The small database with gaps (tests/fixtures/gaps.sql), built once; read-only."""
    return make_gaps_db(tmp_path_factory.mktemp("gaps") / "gaps.duckdb")


@pytest.fixture()
def gaps(gaps_db):
    c = duckdb.connect(str(gaps_db), read_only=True)
    yield c
    c.close()


@pytest.fixture()
def conn(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


@pytest.fixture()
def writable_db(built_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the built database that a test may change."""
    path = tmp_path / "copy.duckdb"
    path.write_bytes(built_db.read_bytes())
    monkeypatch.setenv("ECOTRANSITION_DB", str(path))
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_server(db: Path, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "ECOTRANSITION_DB": str(db), **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


# The app's day of the shared test server: the forum screen leaves out slides older than 36
# months, and the 2023 report's figures must not leave the tests' screen when the year turns.
TEST_TODAY = "2026-11-27"


@pytest.fixture(scope="session")
def server(built_db):
    proc, url = start_server(built_db, {"ECOTRANSITION_TODAY": TEST_TODAY})
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    pw_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with pw_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def offline_page(browser, outside: list, **context_args):
    """A page whose requests outside 127.0.0.1 are blocked and recorded in `outside`."""
    return offline_context(browser, outside, **context_args).new_page()


def offline_context(browser, outside: list, **context_args):
    """A browser context whose requests outside 127.0.0.1 are blocked and recorded in `outside`."""
    context = browser.new_context(**context_args)

    def route(r):
        host = r.request.url.split("/")[2] if "://" in r.request.url else ""
        if r.request.url.startswith(("data:", "blob:")) or host.split(":")[0] in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context


def wait_ready(page, timeout_ms: int = 30000) -> None:
    """Wait until the app has rendered and no script run is in progress."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(READY_JS, timeout=timeout_ms)
    page.wait_for_timeout(500)


def open_page(page_file: str | None, query: dict | None = None, user: dict | None = None, **state):
    """Run dashboard.py under AppTest with these URL parameters (`query`), signed-in user (`user`,
    what st.user reads) and session-state values, on one page (None: the home page, as the URL
    without a path opens it)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if user is not None:
        at.user = user
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page_file:
        at.switch_page(page_file)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What Streamlit shows for an escaped Markdown string (backslashes, entities, word joiners gone)."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown)).replace("\u2060", "")


def shown_table(table):
    """A text table (pages._ui.text_table, st.table) as the reader sees it: its Markdown escapes undone."""
    return table.value.map(shown).rename(columns=shown).reset_index(drop=True)


def catalogue_shown(at):
    """The catalogue of /donnees as the reader sees it."""
    return shown_table(at.table[0])


def metrics(at) -> dict[str, tuple[str, str]]:
    """The page's metric cards: shown label -> (value, delta)."""
    return {shown(m.label): (m.value, m.delta) for m in at.metric}


def counter_site_db(channels: tuple[tuple[str, str, int], ...] = ()) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema and macros, one agglomeration, Lens (62498) and a
    counter site `s1` there, with these channels (channel_id, mobility type, time step in seconds)."""
    from ecotransition.core.paths import QUERIES_DIR
    from ecotransition.data import sql

    c = duckdb.connect()
    c.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
    sql.create_macros(c)
    c.execute("""INSERT INTO epci VALUES ('x', 'Agglo', 'CALL', 'test');
                 INSERT INTO communes VALUES ('62498', 'Lens', 'x', 1, 50.44, 2.81, '{}', 'test');
                 INSERT INTO counter_sites VALUES ('s1', 'Compteur', '62498', 50.44, 2.81, NULL, 'test')""")
    for channel, mode, step in channels:
        c.execute("INSERT INTO counter_channels (channel_id, site_id, mobility_type, direction, time_step, source) VALUES (?, 's1', ?, NULL, ?, 'test')", [channel, mode, step])
    return c


def counter_db(measures, channel_sources: dict[str, str] | None = None):
    """An in-memory database with the schema, macros, counter_daily and counter_calendar, one
    counter site in Lens and a pedestrian channel per channel_id of `measures` (a DataFrame of
    channel_id, start_datetime, end_datetime, count, source), each with its source in
    `channel_sources` (default 'test')."""
    from ecotransition.data import sql

    c = counter_site_db()
    for channel in dict.fromkeys(measures["channel_id"]):
        c.execute("INSERT INTO counter_channels (channel_id, site_id, mobility_type, direction, time_step, source) VALUES (?, 's1', 'PEDESTRIAN', NULL, 3600, ?)",
                  [channel, (channel_sources or {}).get(channel, "test")])
    c.register("frame", measures[["channel_id", "start_datetime", "end_datetime", "count", "source"]])
    c.execute("INSERT INTO counter_measures (channel_id, start_datetime, end_datetime, count, source) "
              "SELECT * FROM frame")
    c.unregister("frame")
    sql.materialize(c, "counter_daily")
    sql.create_views(c)
    return c


def constant_perimeter(conn, year, where="TRUE"):
    """Visits of `year` and `year - 1` over the days each channel counted in full in both years, on
    the same calendar dates (29 February has none), straight from the hourly measures: a day is
    counted in full when it has a count for each of its hours in Europe/Paris (23, 24 or 25)."""
    import pandas as pd

    paris = ZoneInfo("Europe/Paris")
    days = pd.date_range(f"{year - 1}-01-01", f"{year}-12-31", freq="D")
    # timestamp(): two aware datetimes of one zone subtract as wall-clock times (always 24 h).
    length = pd.DataFrame({"day": days.date, "seconds": [
        int(datetime.combine(d + timedelta(days=1), day_start(), paris).timestamp()
            - datetime.combine(d, day_start(), paris).timestamp()) for d in days.date]})
    cur = conn.cursor()
    cur.register("day_length", length)
    try:
        return cur.execute(f"""
            WITH d AS (
                SELECT m.channel_id, m.start_datetime::DATE AS day, sum(m.count) AS v,
                       count(m.count) AS counted, any_value(coalesce(ch.time_step, 3600)) AS step
                FROM counter_measures m JOIN counter_channels ch USING (channel_id) JOIN counter_sites s USING (site_id)
                LEFT JOIN communes c ON c.code = s.commune_code LEFT JOIN epci e ON e.code = c.epci_code
                WHERE {where} AND year(m.start_datetime) IN ($year - 1, $year) GROUP BY ALL),
            whole AS (SELECT d.* FROM d JOIN day_length l USING (day) WHERE d.counted = l.seconds // d.step)
            SELECT sum(a.v), sum(b.v) FROM whole a JOIN whole b ON a.channel_id = b.channel_id
                AND b.day = a.day - INTERVAL 1 YEAR AND strftime(a.day, '%m%d') <> '0229'
            WHERE year(a.day) = $year""", {"year": year}).fetchall()[0]
    finally:
        cur.close()
