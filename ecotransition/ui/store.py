"""The Streamlit side of data access: one cached connection, cached query results.

This is the only module of the package that imports streamlit. Pages call `query()`;
the connection is opened read-only once per database file version and shared by all
sessions, each query running on its own cursor. When an import or a rebuild swaps the
file, its stamp changes, so the next call opens the new file; a query whose tables got new
content versions misses the old cache, the others keep their results (same content): viewers
see new data without a restart, and never a half-written file.
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable

import duckdb
import pandas as pd
import streamlit as st
from plotly.basedatatypes import BaseFigure

from ecotransition.core import plotting
from ecotransition.core.paths import db_path
from ecotransition.data import sql
from ecotransition.data.db import CONTRACT_TABLES, MISSING, DatabaseError, Stamp, open_readonly, stamp

_build_lock = threading.Lock()


class _Memo:
    """Values computed once per key and shared by every session of this process.

    What st.cache_resource gives, keyed by a tuple the caller builds: Streamlit's decorator
    inspects the function's signature and hashes every argument through its own hasher on
    each call, which was a sixth of a warm home page's server CPU (py-spy, scale 16) for
    results that are found in the cache nearly every time. Concurrent callers of a missing key
    wait for the first one's result instead of computing it again (a room arriving at once).
    Beyond `max_entries`, the least recently used entry goes; an entry older than `ttl`
    seconds is computed afresh. A call that raises stores nothing.
    """

    def __init__(self, max_entries: int, ttl: float | None = None):
        self.max_entries, self.ttl = max_entries, ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or (self.ttl is not None and time.monotonic() - entry[0] > self.ttl):
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            found, value = self._fresh(key)
            if found:
                return value
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found, value = self._fresh(key)
            if found:
                return value
            try:
                value = build()
                # Stored before its building lock goes: a caller arriving in between finds it.
                with self._lock:
                    self._entries[key] = (time.monotonic(), value)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_connections = _Memo(max_entries=2)
_versions = _Memo(max_entries=2)
_results_memo = _Memo(max_entries=1024)
# Sized for what the public pages hold warm at once: the 18 pages deploy/warm.py opens need about
# 330 entries (a page about 20), and at 256 the warm-up itself pushed the home page's out, so a
# room's 3-page visits rebuilt them while every other session of the replica waited (py-spy).
# About 50 KiB an entry at scale 16 (RSS +17 MiB for 330 more): 2 048 stays under 100 MiB.
_shared_memo = _Memo(max_entries=2048, ttl=3600)
_process_memo = _Memo(max_entries=256)


def once(key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()`, made once per `key` for the life of this process and shared by every session.

    Instead of st.cache_resource / st.cache_data wherever a client must not be able to drop the
    value: any browser may send Streamlit's `clear_cache` message, which empties those caches for
    the whole process — it reset the staff login's throttle and lockout, and made every visitor's
    next map pay for it again (t15i finding 1). No client message reaches this one."""
    return _process_memo.get(key, build)


def _connection(path: str, version: Stamp) -> duckdb.DuckDBPyConnection:
    return _connections.get((path, version), lambda: open_readonly(Path(path)))


def _leave_pages_directory_mode() -> None:
    """Run dashboard.py (navigation, page config, filters) even for the first visit of a server.

    Streamlit treats an app with a pages/ folder as a v1 multipage app until some script calls
    st.navigation. So on a freshly started server, a first visit to /solaire?epci=CAHC runs
    pages/solaire.py alone: no filters, no page config, a sidebar listing every file of pages/.
    Every page reaches this module first, so the first such run switches the process to
    st.navigation mode and reruns; the rerun keeps the page (same hash) and the query string.
    A URL that names no file of pages/ would instead raise Streamlit's 'page not found'
    dialog on that first visit (streamlit#9992): that is why each page file is named after
    its URL path (pages/chaine-des-parcs.py for /chaine-des-parcs).
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


def ensure_database() -> Path:
    """Build the database on first run (with a progress bar) when the file is missing."""
    _leave_pages_directory_mode()
    path = db_path()
    if stamp(path) is not None:
        return path
    from ecotransition.data.build import build  # heavy imports only on the first run

    with _build_lock:
        if stamp(path) is None:
            bar = st.progress(0.0, text="Première ouverture : construction de la base de données…")
            build(path, 1, progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
            bar.empty()
    return path


def _current() -> tuple[str, Stamp]:
    path = ensure_database()
    version = stamp(path)
    if version is None:
        raise DatabaseError(f"La base de données {path} est introuvable.", public=MISSING)
    return str(path), version


def connection() -> duckdb.DuckDBPyConnection:
    path, version = _current()
    return _connection(path, version)


# Shared, not copied: every session gets the same DataFrame instead of unpickling its own copy
# on each call (st.cache_data's way: a tenth of the server's CPU with 30 viewers). Nothing
# modifies a query result in place (pandas' copy-on-write keeps derived frames apart from it).
def _query(name: str, params: tuple, path: str, tables: tuple, version: Stamp) -> pd.DataFrame:
    return _results_memo.get((name, params, path, tables),
                             lambda: sql.run(_connection(path, version), name, **dict(params)))


def _table_versions(path: str, version: Stamp) -> tuple[dict[str, str], tuple[str, ...]]:
    """Content version of each table of this file (empty for a file written before them), and
    every table name a query of this file may read."""
    def build():
        try:
            rows = sql.run(_connection(path, version), "table_versions")
            versions = dict(zip(rows["table_name"], rows["version"]))
        except duckdb.Error:
            versions = {}
        return versions, tuple(sorted({*versions, *CONTRACT_TABLES, *sql.DERIVED, "build_info"}))

    return _versions.get((path, version), build)


def _tables_key(name: str, path: str, version: Stamp, params: dict) -> tuple:
    """What a query's result depends on: the content versions of the tables it reads.

    An import gives new versions only to the tables it may change, so the cached results of
    the other queries survive the swap (after an events import, 57 % of the server's CPU with
    30 viewers went into recomputing results that had not changed). A table without a
    version, or a file without any, falls back to the file's stamp: recomputed on every swap.
    """
    versions, candidates = _table_versions(path, version)
    # A query that reads a table named by a parameter (query_table($table)) depends on it too.
    named = {v for k, v in params.items() if k == "table" and v in candidates}
    tables = sorted({*sql.tables(name, candidates), *named})
    return tuple((t, versions.get(t, repr(version))) for t in tables)


# DataFrames handed out by query() and shared(), by object: (weak reference, where it came
# from). shared() keys such a frame by its origin instead of hashing its content, which was a
# sixth of the server's CPU with 30 viewers (bench/load_ws.py).
_results: dict[int, tuple[weakref.ref, tuple]] = {}
_results_lock = threading.Lock()
_tokens = itertools.count()


def _forget(key: int) -> None:
    with _results_lock:
        _results.pop(key, None)


def _register(df: pd.DataFrame, identity) -> None:
    with _results_lock:
        entry = _results.get(id(df))
        if entry is None or entry[0]() is not df:
            _results[id(df)] = (weakref.ref(df, lambda _, k=id(df): _forget(k)), identity)


def query(name: str, **params) -> pd.DataFrame:
    """The result of queries/<name>.sql for these parameters, cached per content version of
    the tables it reads.

    Never modify the returned DataFrame in place (derive a new one): shared() identifies it by
    the query that produced it.
    """
    path, version = _current()
    key = tuple(sorted(params.items()))
    tables = _tables_key(name, path, version, params)
    df = _query(name, key, path, tables, version)
    _register(df, ("query", name, key, path, tables))
    return df


def _frame_key(df: pd.DataFrame):
    entry = _results.get(id(df))
    if entry is not None and entry[0]() is df:
        return entry[1]
    try:
        content = pd.util.hash_pandas_object(df).to_numpy().tobytes()
    except TypeError:  # unhashable cells (lists, dicts)
        content = pickle.dumps(df)
    return ("content", tuple(map(str, df.columns)), tuple(map(str, df.dtypes)), content)


def _arg_key(value) -> Hashable:
    """A hashable stand-in for an argument of shared(): equal for inputs that give the same result."""
    if isinstance(value, pd.DataFrame):
        return _frame_key(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__,
                tuple(_arg_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, (tuple, list)):
        return (type(value).__qualname__, tuple(_arg_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), _arg_key(v)) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(map(repr, value))))
    if isinstance(value, float):
        return ("float", repr(value))  # NaN equals no NaN: by its text, it finds its own entry
    try:
        hash(value)
    except TypeError:
        return ("pickle", pickle.dumps(value))
    # The type too: 1, 1.0 and True are equal keys but may not give the same result.
    return (type(value).__qualname__, value)


def _finish(result):
    """Figures of a shared result as plotting.Finished (serialised once, not on every view)."""
    if isinstance(result, BaseFigure):
        return result if isinstance(result, plotting.Finished) else plotting.Finished(result)
    if isinstance(result, (list, tuple)) and not hasattr(result, "_fields"):
        return type(result)(_finish(item) for item in result)
    return result


def shared(build, *args, **kwargs):
    """`build(*args, **kwargs)`, computed once per distinct inputs and shared by every session.

    For the pure functions that turn query results into figures, KPI cards and tables. Building
    a plotly figure validates every property one by one: it was 70-80 % of a warm thematic
    page's script time at scale 16, and the overview spent as much in pandas group-bys.
    A figure (alone or in a list or tuple) comes back as plotting.Finished, serialised once for
    every session; pages never modify what this returns. The result depends only on the inputs: a
    DataFrame passed as it came from query() is keyed by its query, parameters and the content
    versions of the tables read, one from shared() by its cache entry, any other by its
    content. So a filter change, a new day or new data computes afresh.
    """
    # By name and file, not by object: a page's own functions are new objects on every run, and
    # two pages' scripts (module "__main__" both) may hold functions of the same name.
    code = getattr(build, "__code__", None)
    name = f"{build.__module__}.{build.__qualname__}" + (f"@{code.co_filename}" if code else "")
    key = (name, _arg_key(args), _arg_key(kwargs))
    result = _shared_memo.get(key, lambda: _finish(build(*args, **kwargs)))
    # The same object for as long as the cache keeps it: a number, never reused, names it (a
    # frame inside a returned tuple too, so that passing it on is not hashed by content).
    for frame in (result,) + (tuple(result) if isinstance(result, (tuple, list)) else ()):
        if isinstance(frame, pd.DataFrame):
            _register(frame, ("shared", next(_tokens)))
    return result


def data_version() -> Stamp:
    """Changes whenever the database file is replaced (use it as a cache key)."""
    return _current()[1]


def clear() -> None:
    """Forget cached results and connections (after this process replaced the file)."""
    for memo in (_results_memo, _versions, _shared_memo, _connections):
        memo.clear()
