"""Concurrent viewers at the protocol level: what the Streamlit server itself sustains.

`load.py` drives one Chromium context per viewer; on the project's 2-core machine ten
Chromium renderers take most of the CPU (the server gets about 15 %), so its times measure
the browsers as much as the server. This script speaks the browser's own protocol instead:
a WebSocket on `/_stcore/stream` carrying the protobuf messages of the installed Streamlit
(`BackMsg` up, `ForwardMsg` down), so nearly all the CPU goes to the server and the times
are the server's: script run, queries, serialisation. What a browser adds on top (loading
the HTML and JavaScript, drawing the charts and the Leaflet map) is not counted here;
`bench_pages.py` and `bench_map.py` measure that for one viewer.

One view = what a freshly loaded tab does: connect, send `rerun_script` with the URL's
path and query string, read ForwardMsgs until the run ends with FINISHED_SUCCESSFULLY. It
is ready when that run showed the requested page (the `navigation` message names the page
that ran), its title and at least one number, chart, table or map, with the URL's filters
applied (the selectboxes bound to the query string carry their value), and no exception, no
error box, no "page not found". Time to ready runs from the connection to the end of that run.

Load mode: for each N, N viewers at once, each opening `/`, `/carte` and a thematic page
with an agglomeration filter (rotating as in load.py), while `python -m ecotransition.imports`
loads an events file in another process and a reader checks that every database version
holds the events and the imports log in step (load.py's import and consistency loops).

Memory mode: sessions opened one after the other (a page run to its end, then the socket
closed); the server's resident memory is sampled every 10 cycles, and again once the closed
sessions have outlived `server.disconnectedSessionTTL`. Streamlit keeps a closed session for
that long but at most 128 of them, and drops expired ones only when its session store is next
written: the last sample follows one more session.

The server CPU time per view is printed too: the server is one Python process, so its
capacity is about one core divided by that figure, whatever the number of cores.

    python bench/load_ws.py --db /tmp/s16.duckdb [--sizes 10 20 30] [--imports 1 | --without-import]
    python bench/load_ws.py --db /tmp/s16.duckdb --cycles 200
    python bench/load_ws.py ... --env STREAMLIT_RUNNER_POST_SCRIPT_GC=false   (try a server option)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT))

import streamlit  # noqa: E402
import websockets  # noqa: E402
from load import EPCIS, THEMATIC, consistency_loop, import_loop, pct  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from warm import rerun_request  # noqa: E402,F401  (deploy/warm.py)
from websockets.asyncio.client import connect  # noqa: E402

from conftest import _free_port as free_port  # noqa: E402
from conftest import start_server, stop_server  # noqa: E402

# The page title (st.title) each view must show; a page missing here is checked for data only.
TITLES = {
    "": "Écotransition Artois — vue d'ensemble",
    "carte": "Carte du territoire",
    "solaire": "Solaire photovoltaïque",
    "chaine-des-parcs": "Chaîne des parcs",
    "investissements": "Investissements et emplois",
    "evenements": "Événements",
}
# Elements that carry data: a page with a title and none of these is a blank page.
DATA_ELEMENTS = {"metric", "plotly_chart", "dataframe", "table", "component_instance", "vega_lite_chart"}
VIEW_TIMEOUT = 60.0  # as load.py: a view not ready after a minute counts as an error


def _squash(text: str) -> str:
    return " ".join(text.split())


def _app_frames(stack_trace) -> str:
    """Where in the app: the page's frame and the innermost frame of the project's code."""
    frames = []
    for frame in stack_trace:
        m = re.match(r'\s*File "([^"]+)", line (\d+)', frame)
        if m and m[1].startswith(str(ROOT)):
            frames.append(f"{Path(m[1]).relative_to(ROOT)}:{m[2]}")
    if not frames:
        return ""
    shown = [next((f for f in frames if f.startswith("pages/")), frames[0])]
    if frames[-1] != shown[0]:
        shown.append(frames[-1])
    return f" [{' → '.join(shown)}]"


def viewer_urls(k: int) -> list[str]:
    """The three views of viewer k, with the same rotation as load.py."""
    return ["/", "/carte", f"/{THEMATIC[k % len(THEMATIC)]}?epci={EPCIS[k % len(EPCIS)]}"]


class PageRun:
    """Follows the ForwardMsgs of one view and says whether the requested page got ready.

    A view may take several script runs: on a freshly started server the first run of a
    page in pages/ runs that file alone and reruns (store._leave_pages_directory_mode).
    Each `new_session` starts a run and the browser discards what the previous run drew,
    so page, title, data and filters are judged on the last run; errors are kept from every
    run, because a viewer would have seen them, if only for a moment.
    """

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.page = parts.path.strip("/")
        self.filters = dict(parse_qsl(parts.query))
        self.finished = False
        self.errors: list[str] = []
        self._start_run()

    def _start_run(self) -> None:
        self.ran_hash: str | None = None
        self.page_hashes: dict[str, str] = {}
        self.headings: list[str] = []
        self.data_elements = 0
        self.bound: dict[str, str] = {}

    def feed(self, msg: ForwardMsg) -> bool:
        """Take the next message; True once the run that answers the view has ended."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._start_run()
        elif kind == "navigation":
            self.ran_hash = msg.navigation.page_script_hash
            self.page_hashes = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            exc = msg.session_event.script_compilation_exception
            self.errors.append(f"compile error {exc.type}: {_squash(exc.message)[:160]}")
        elif kind == "ref_hash":
            # Only sent for hashes the client said it caches; we never do, so it is a protocol change.
            self.errors.append("unexpected ref_hash message")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element)
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.errors.append("script finished with a compile error")
                self.finished = True
            # FINISHED_EARLY_FOR_RERUN (st.rerun) is followed by another run: keep reading.
            self.finished |= msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
        return self.finished

    def _element(self, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception" and not el.exception.is_warning:
            exc = el.exception
            self.errors.append(f"exception {exc.type.rsplit('.', 1)[-1]}: {_squash(exc.message)[:100]}"
                               + _app_frames(exc.stack_trace))
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            self.errors.append(f"error box: {_squash(el.alert.body)[:160]}")
        elif kind == "heading":
            self.headings.append(el.heading.body)
        elif kind == "selectbox" and el.selectbox.query_param_key:
            self.bound[el.selectbox.query_param_key] = el.selectbox.raw_value
        elif kind in DATA_ELEMENTS:
            self.data_elements += 1

    def problems(self) -> list[str]:
        """Why the view is not ready (empty: ready)."""
        out = list(self.errors)
        if not self.finished:
            return out + ["connection closed before the run ended"]
        if self.ran_hash is None:
            out.append("no navigation message")
        elif self.page_hashes.get(self.page) != self.ran_hash:
            ran = next((p for p, h in self.page_hashes.items() if h == self.ran_hash), self.ran_hash)
            out.append(f"ran /{ran} instead of /{self.page}")
        title = TITLES.get(self.page)
        if title is not None and title not in self.headings:
            out.append(f"title {title!r} missing")
        if not self.data_elements:
            out.append("no number, chart, table or map")
        for key, value in self.filters.items():
            if self.bound.get(key) != value:
                out.append(f"filter {key}={value} not applied (widget shows {self.bound.get(key)!r})")
        return out


@dataclass
class View:
    url: str
    seconds: float
    kib: float
    problems: list[str] = field(default_factory=list)

    @property
    def page(self) -> str:
        return urlsplit(self.url).path


def replica_cookie(base: str, url: str) -> str | None:
    """The sticky-session cookie a browser gets with the page's HTML, as `name=value`.

    Through deploy/stack.py, nginx picks the replica from this cookie. A client without it is
    keyed on its address and user agent, which every viewer of this script shares: they would
    all land on one replica, which no room of phones does (each browser keeps its own cookie)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(base + url, timeout=VIEW_TIMEOUT) as r:
        for header in r.headers.get_all("Set-Cookie") or []:
            if header.startswith("eco_replica="):
                return header.split(";", 1)[0]
    return None


async def view(base: str, url: str, timeout: float = VIEW_TIMEOUT, cookie: str | None = None) -> View:
    """Open a session on `url`, wait until its page is ready, close the session.

    `cookie`: the viewer's replica cookie (`replica_cookie`), sent with the WebSocket as a
    browser does."""
    run, received = PageRun(url), 0
    t0 = time.perf_counter()
    ready = None
    try:
        async with asyncio.timeout(timeout):
            # proxy=None: websockets otherwise honours *_PROXY variables, even for 127.0.0.1.
            # Origin as a browser sends it (same origin, accepted by the server's check).
            async with connect(base.replace("http", "ws", 1) + "/_stcore/stream",
                               subprotocols=["streamlit"], origin=base, max_size=None,
                               proxy=None, ping_interval=None,
                               additional_headers={"Cookie": cookie} if cookie else None) as ws:
                await ws.send(rerun_request(base, url).SerializeToString())
                async for raw in ws:
                    received += len(raw)
                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    if run.feed(msg):
                        ready = time.perf_counter() - t0
                        break
        problems = run.problems()
    except TimeoutError:
        problems = run.errors + [f"not ready after {timeout:g} s"]
    except (OSError, websockets.exceptions.WebSocketException) as exc:
        problems = run.errors + [f"connection: {exc.__class__.__name__}: {exc}"]
    return View(url, ready if ready is not None else time.perf_counter() - t0, received / 1024, problems)


def first_urls(n: int, qr: bool = False) -> list[str]:
    return ["/" if qr else viewer_urls(k)[0] for k in range(n)]


async def wave(base: str, n: int, qr: bool = False, think: tuple[float, float] = (0, 0),
               cookies: list[str | None] | None = None) -> list[View]:
    """N viewers at once; each opens its three views one after the other, as load.py's (`qr`: each
    opens the home page only, as the phones of a room that has just scanned the forum's QR code).
    `think`: seconds a viewer reads a page before opening the next, drawn uniformly between the
    two bounds (the same draws on every run); (0, 0) chains the views at once, the worst case.
    `cookies`: each viewer's replica cookie (`replica_cookie` on its first page), fetched before
    the wave so that every viewer still starts at the same instant."""
    async def viewer(k: int) -> list[View]:
        pause, views = random.Random(k), []
        cookie = cookies[k] if cookies else None
        for i, url in enumerate(["/"] if qr else viewer_urls(k)):
            if i and think[1] > 0:
                await asyncio.sleep(pause.uniform(*think))
            views.append(await view(base, url, cookie=cookie))
        return views

    batches = await asyncio.gather(*(viewer(k) for k in range(n)))
    return [v for batch in batches for v in batch]


async def sequential(base: str, urls: list[str]) -> list[View]:
    return [await view(base, url) for url in urls]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (utime and stime of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cache_mib(base: str) -> float | None:
    """Memory of the st.cache_data entries as the server reports it (/_stcore/metrics).

    st.cache_resource entries are reported as 1 byte each there, so they are left out."""
    try:
        with urllib.request.urlopen(base + "/_stcore/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith('cache_memory_bytes{cache_type="st_cache_data"')]
    return sum(values) / 2**20 if values else None


def session_ttl(env: dict) -> int:
    """server.disconnectedSessionTTL as the server sees it (an environment variable wins over the file)."""
    if "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL" in env:
        return int(env["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"])
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return int(config.get("server", {}).get("disconnectedSessionTTL", 120))


def header(source: str) -> None:
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal:"))
    size = Path(source).stat().st_size / 2**20
    print(f"machine: {os.cpu_count()} CPU, {int(mem) / 2**20:.0f} GiB, Python {sys.version.split()[0]}, "
          f"Streamlit {streamlit.__version__}, websockets {websockets.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"database: copy of {source} ({size:.1f} MiB)")


def report_problems(views: list[View], limit: int = 5) -> None:
    counts: dict[str, int] = {}
    for v in views:
        for p in v.problems:
            key = f"{v.page}: {p}"
            counts[key] = counts.get(key, 0) + 1
    for key, count in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]:
        print(f"    {count:>3} × {key}")


def stream_upstreams(log: Path | None) -> list[str]:
    """The replica that took each WebSocket so far, from the stack's nginx access log."""
    if log is None or not log.exists():
        return []
    return [line.rsplit(" ", 1)[1] for line in log.read_text().splitlines() if '"GET /_stcore/stream"' in line]


def run_load(args, base: str, pids: list[int], db: Path, tmp: Path, log: Path | None = None,
             upstreams: list[str] | None = None) -> None:
    """`log`, `upstreams`: the stack's nginx access log and each replica's address, in the order
    of `pids`, to count the views each replica took."""
    # A fresh process runs every page through its first-visit path and fills the caches:
    # shown apart, so that the first wave is not the only one to pay for it.
    print("fresh server, one view at a time:")
    first = asyncio.run(sequential(base, ["/", "/carte"] + [viewer_urls(k)[2] for k in range(len(THEMATIC))]))
    for v in first:
        print(f"    {v.url:<34} {v.seconds:6.2f} s {v.kib:7.0f} KiB {'; '.join(v.problems)}")

    rows, per_page = [], []
    for n in args.sizes:
        stop = threading.Event()
        imports, seen, problems = [], {}, []
        workers = [threading.Thread(target=consistency_loop, args=(db, stop, seen, problems))]
        if not args.without_import:
            workers.append(threading.Thread(target=import_loop, args=(db, stop, tmp, imports, args.imports)))
        # Each tab's HTML comes first, as in a browser, with its cookie; not timed (a static file).
        cookies = [replica_cookie(base, url) for url in first_urls(n, args.qr)]
        server0, client0 = [cpu_seconds(p) for p in pids], own_cpu_seconds()
        streams0 = len(stream_upstreams(log))
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        views = asyncio.run(wave(base, n, args.qr, tuple(args.think), cookies))
        wall = time.perf_counter() - t0
        per_server = [cpu_seconds(p) - c0 for p, c0 in zip(pids, server0)]
        server_cpu = sum(per_server)
        client_cpu = own_cpu_seconds() - client0
        stop.set()
        for w in workers:
            w.join()
        times = [v.seconds for v in views]
        errors = [v for v in views if v.problems]
        loaded = sum(1 for rc, _, _ in imports if rc == 0)
        mixed = [p for p in problems if p.startswith("mixed")]
        rows.append((n, len(views), pct(times, 0.5), pct(times, 0.95), max(times), len(errors), wall,
                     len(imports), loaded, len(seen), len(mixed),
                     server_cpu / len(views), 100 * server_cpu / wall, 100 * client_cpu / wall,
                     sum(rss_mib(p) for p in pids)))
        pages: dict[str, list[float]] = {}
        for v in views:
            pages.setdefault(v.page, []).append(v.seconds)
        per_page.append((n, {p: (statistics.median(t), len(t)) for p, t in pages.items()}))
        time.sleep(0.5)   # nginx logs a WebSocket when it closes
        took = Counter(stream_upstreams(log)[streams0:])
        spread = [took[u] for u in upstreams or []]   # in the order of the CPU figures; 0 for an idle one
        print(f"N={n}: {len(views)} views in {wall:.1f} s, {len(errors)} not ready"
              + (f"; CPU s per replica: {' / '.join(f'{c:.1f}' for c in per_server)}" if len(pids) > 1 else "")
              + (f"; views per replica: {' / '.join(map(str, spread))}" if spread else ""),
              flush=True)
        report_problems(errors)
        if problems:
            print("    consistency reader:", problems[:3])
        failed = [e for rc, _, e in imports if rc != 0]
        if failed:
            print("    failed imports:", failed[:2])

    print()
    print(f"{'N':>3} {'views':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'errors':>7} {'wall s':>7} "
          f"{'imports':>8} {'loaded':>7} {'versions':>9} {'mixed':>6} {'CPU s/view':>11} {'server CPU':>11} "
          f"{'bench CPU':>10} {'server RSS':>11}")
    for row in rows:
        print("{:>3} {:>6} {:>7.2f} {:>7.2f} {:>7.2f} {:>7} {:>7.1f} {:>8} {:>7} {:>9} {:>6} {:>11.2f} {:>10.0f}% "
              "{:>9.0f}% {:>7.0f} MiB".format(*row))
    print("CPU s/view: server CPU time over the wave / views; server and bench CPU in % of one core over "
          "the wave (the import runs in its own process, counted in neither; with --stack, the server "
          "is the sum of the public replicas, nginx is counted in neither)")
    print("\nmedian time to ready per page, s (views):")
    pages = sorted({p for _, d in per_page for p in d}, key=lambda p: (p != "/", p != "/carte", p))
    print(f"{'N':>3} " + " ".join(f"{p:>22}" for p in pages))
    for n, d in per_page:
        print(f"{n:>3} " + " ".join(f"{d[p][0]:>17.2f} ({d[p][1]:>2})" if p in d else f"{'':>22}" for p in pages))
    print("target at N=30: p95 <= 5 s, 0 errors, 0 mixed states")


def run_cycles(args, base: str, proc, env: dict) -> None:
    ttl = session_ttl(env)
    urls = [url for k in range(len(THEMATIC) * len(EPCIS)) for url in viewer_urls(k)]
    samples, failures = [(0, 0.0, rss_mib(proc.pid), cache_mib(base))], []
    t0 = time.perf_counter()

    async def cycles() -> None:
        for i in range(args.cycles):
            v = await view(base, urls[i % len(urls)])
            if v.problems:
                failures.append(v)
            if (i + 1) % 10 == 0:
                samples.append((i + 1, time.perf_counter() - t0, rss_mib(proc.pid), cache_mib(base)))
                print(f"  {i + 1:>4} cycles, {samples[-1][2]:.0f} MiB", file=sys.stderr, flush=True)

    asyncio.run(cycles())
    wait = ttl + 15
    print(f"  waiting {wait} s for the closed sessions to expire…", file=sys.stderr, flush=True)
    time.sleep(wait)
    after_wait = (time.perf_counter() - t0, rss_mib(proc.pid))
    # Expired sessions are only dropped when the session store is next written (Streamlit's
    # TTLCache reaps on writes): one more session, closed, makes the server let them go.
    last = asyncio.run(sequential(base, ["/"]))[0]
    if last.problems:
        failures.append(last)
    time.sleep(2)
    reaped = (time.perf_counter() - t0, rss_mib(proc.pid), cache_mib(base))

    print(f"\nsessions opened and closed one after the other; disconnectedSessionTTL = {ttl} s "
          f"(and Streamlit keeps at most 128 closed sessions)")
    print(f"{'cycles':>6} {'elapsed s':>10} {'server RSS MiB':>15} {'cache_data MiB':>15}")

    def cache(value: float | None) -> str:
        return f"{value:>15.1f}" if value is not None else f"{'-':>15}"

    for n, t, rss, data in samples:
        print(f"{n:>6} {t:>10.1f} {rss:>15.1f} {cache(data)}")
    print(f"{'+wait':>6} {after_wait[0]:>10.1f} {after_wait[1]:>15.1f} {'':>15}  after {wait} s idle")
    print(f"{'+1':>6} {reaped[0]:>10.1f} {reaped[1]:>15.1f} {cache(reaped[2])}  after one more session")
    print(f"views not ready: {len(failures)}")
    report_problems(failures)

    # Levelling off: the last 50 cycles add next to nothing (the caches and the pool of closed
    # sessions Streamlit keeps, at most 128 and for the TTL, have filled up), and memory does not
    # grow once the closed sessions have expired. Freed memory is rarely given back to the
    # system by CPython, so a drop after expiry is not expected.
    tail = samples[max(1, len(samples) - 6)]
    early = samples[1]
    tail_growth, final = samples[-1][2] - tail[2], samples[-1][2]
    level = tail_growth <= max(10.0, 0.02 * final) and reaped[1] <= final + 5
    print(f"growth: cycles {early[0]}→{tail[0]} {tail[2] - early[2]:+.1f} MiB "
          f"({(tail[2] - early[2]) / max(tail[0] - early[0], 1):+.2f} MiB per cycle); last "
          f"{samples[-1][0] - tail[0]} cycles {tail_growth:+.1f} MiB; after expiry {reaped[1] - final:+.1f} MiB")
    print(f"levels off: {'yes' if level else 'no'} (rule: the last 50 cycles add at most max(10 MiB, 2 %) "
          f"and nothing is added after expiry)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 30])
    parser.add_argument("--imports", type=int, default=1,
                        help="imports run during each wave (0: one after the other until the wave ends)")
    parser.add_argument("--without-import", action="store_true",
                        help="no import during the waves (a baseline: the caches stay valid between waves)")
    parser.add_argument("--cycles", type=int, default=0,
                        help="memory mode: this many sessions opened and closed one after the other")
    parser.add_argument("--think", type=float, nargs=2, default=(0, 0), metavar=("MIN", "MAX"),
                        help="seconds each viewer reads a page before opening the next (uniform between "
                             "MIN and MAX, the same draws on every run); default 0 0: at once, the worst case")
    parser.add_argument("--qr", action="store_true",
                        help="each viewer opens the home page only (a room scanning the screen's QR code)")
    parser.add_argument("--stack", type=int, default=0, metavar="REPLICAS",
                        help="through deploy/stack.py: nginx in front of this many public replicas "
                             "(and the staff instance), instead of one Streamlit process")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra server environment, e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false "
                             "to try a Streamlit option without editing .streamlit/config.toml")
    args = parser.parse_args()
    header(args.db)
    # Full error details in the messages, so that an exception seen by a view says which and where
    # (the app's config shows none to viewers; the server log is not kept by start_server).
    env = {"STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full", **dict(e.split("=", 1) for e in args.env)}
    if args.env:
        print("server environment:", " ".join(args.env))
    if args.think[1] > 0:
        print(f"each viewer reads a page {args.think[0]:g}–{args.think[1]:g} s before opening the next")
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db = tmp / "load.duckdb"
        shutil.copyfile(args.db, db)
        if args.stack:
            sys.path.insert(0, str(ROOT / "deploy"))
            import stack as deploy

            running = deploy.start(replicas=args.stack, public_port=free_port(), staff_port=free_port(),
                                   db=db, run=tmp / "stack", environ={**os.environ, **env})
            print(f"through nginx: {args.stack} public replica(s) at {running.public_url}")
            try:
                run_load(args, running.public_url, [p.pid for p in running.procs[:args.stack]], db, tmp,
                         running.run / "access.log", [f"127.0.0.1:{port}" for port in running.replica_ports])
            finally:
                running.stop()
            return
        proc, base = start_server(db, env)
        try:
            if args.cycles:
                run_cycles(args, base, proc, env)
            else:
                run_load(args, base, [proc.pid], db, tmp)
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
