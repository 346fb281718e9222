"""Open each public page once on a Streamlit instance, as a new browser tab would, so that its
caches (query results, figures, tables) are built before viewers arrive.

A replica's shared caches are per process and start empty: measured through nginx with two
replicas, the first wave of 120 viewers after a start waited markedly longer than the next one
(bench/README.md). deploy/stack.py warms every replica before it returns, with each thematic page filtered on each agglomeration (the links the
agglomerations' and communes' websites give); while the stack runs it warms them again after each
change of the database file (an import or a restore on the staff side), since the replicas' caches
of the tables it changed are then empty.

    python deploy/warm.py http://127.0.0.1:8501 [/ /carte …]
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

# The public pages with their default filters (the ones a QR code or a commune's link opens).
PAGES = ("/", "/carte", "/solaire", "/chaine-des-parcs", "/investissements", "/evenements")
# The pages the agglomerations link to with their own filter.
THEMATIC = ("/solaire", "/chaine-des-parcs", "/investissements", "/evenements")
# A viewer of the app's audience, sent to the script as st.context (the pages ignore it).
TIMEZONE, TIMEZONE_OFFSET, LOCALE = "Europe/Paris", -60, "fr-FR"


def public_pages(db: Path) -> tuple[str, ...]:
    """PAGES, then each THEMATIC page filtered on each agglomeration of the database at `db`
    ("/solaire?epci=CAHC"); PAGES alone when the file cannot be read (the replicas then say why)."""
    from ecotransition.data import sql
    from ecotransition.data.db import DatabaseError, open_readonly

    try:
        conn = open_readonly(db)
        try:
            epcis = sql.run(conn, "epci_list")["short_name"].tolist()
        finally:
            conn.close()
    except (DatabaseError, OSError):
        return PAGES
    return PAGES + tuple(f"{page}?{urlencode({'epci': e})}" for page in THEMATIC for e in epcis)


def rerun_request(base: str, url: str) -> BackMsg:
    """The BackMsg a freshly loaded tab sends for `url` ("/solaire?epci=CAHC").

    A new tab knows the page by its URL path only, so it sends `page_name` and leaves
    `page_script_hash` empty; the server resolves the name through st.navigation (""
    is the default page). No `cached_message_hashes`: a new tab has no message cache, so
    the server sends every element in full rather than `ref_hash` references.
    """
    parts = urlsplit(url)
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = parts.query
    state.page_name = parts.path.strip("/")
    info = state.context_info
    info.timezone = TIMEZONE
    info.timezone_offset = TIMEZONE_OFFSET
    info.locale = LOCALE
    info.url = base + url
    info.is_embedded = False
    info.color_scheme = "light"
    return msg


async def open_page(base: str, url: str, timeout: float = 180) -> bool:
    """Run `url` on the instance at `base` (http://host:port) to its end; True when it finished.

    A page whose file is in pages/ may run twice on a fresh server (store._leave_pages_directory_mode):
    the view ends with the first run that finishes without asking for another."""
    try:
        async with asyncio.timeout(timeout):
            async with connect(base.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                               origin=base, max_size=None, proxy=None, ping_interval=None) as ws:
                await ws.send(rerun_request(base, url).SerializeToString())
                async for raw in ws:
                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    if msg.WhichOneof("type") == "script_finished" and \
                            msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        return msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
    except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
        return False
    return False


def warm(bases: list[str], pages: tuple[str, ...] = PAGES) -> list[str]:
    """Open `pages` one after the other on each instance of `bases` (the instances side by side).

    Returns the URLs whose run did not finish: a warning, never an error (viewers still get those
    pages, built on their first visit)."""
    async def one(base: str) -> list[str]:
        return [f"{base}{p}" for p in pages if not await open_page(base, p)]

    async def every() -> list[list[str]]:
        return await asyncio.gather(*(one(b) for b in bases))

    # In a thread of its own: the caller's thread may already run an event loop (Playwright's
    # sync API does, in the tests), where asyncio.run() is refused.
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        results = pool.submit(asyncio.run, every()).result()
    finally:
        # Not waiting for the thread: a Ctrl-C or a stop during the warm-up reaches the caller,
        # which stops the instances at once (the thread then ends on their closed sockets).
        pool.shutdown(wait=False)
    return [failed for failures in results for failed in failures]


class Watcher:
    """Warms `bases` again each time the database file at `db` is replaced (deploy/stack.py calls
    `poll` in its loop): after an import, the first viewers of each replica would otherwise build
    the caches of the tables it changed while they wait."""

    def __init__(self, bases: list[str], db: Path):
        from ecotransition.data.db import stamp

        self._stamp, self.bases, self.db = stamp, bases, db
        self.seen = stamp(db)

    def poll(self) -> list[str] | None:
        """None when the file is unchanged since the last call; else the pages warmed again that
        did not finish (an empty list when all did)."""
        now = self._stamp(self.db)
        if now == self.seen or now is None:
            return None
        self.seen = now
        return warm(self.bases, public_pages(self.db))


if __name__ == "__main__":
    failed = warm([sys.argv[1]], tuple(sys.argv[2:]) or PAGES)
    print("\n".join(f"Page non préparée : {f}" for f in failed) or "Pages préparées.")
    sys.exit(1 if failed else 0)
