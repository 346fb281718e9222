"""The Streamlit side of data access: one cached connection, cached query results.

This is the only module of the package that imports streamlit. Pages call `query()`;
the connection is opened read-only once per database file version and shared by all
sessions, each query running on its own cursor. When an import or a rebuild swaps the
file, its stamp changes, so the next call opens the new file and misses the old cache:
viewers see new data without a restart, and never a half-written file.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from . import sql
from .db import DatabaseError, Stamp, open_readonly, stamp
from .paths import db_path

_build_lock = threading.Lock()


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: Stamp) -> duckdb.DuckDBPyConnection:
    return open_readonly(Path(path))


def ensure_database() -> Path:
    """Build the database on first run (with a progress bar) when the file is missing."""
    path = db_path()
    if stamp(path) is not None:
        return path
    from .build import build  # heavy imports only on the first run

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
        raise DatabaseError(f"La base de données {path} est introuvable.")
    return str(path), version


def connection() -> duckdb.DuckDBPyConnection:
    path, version = _current()
    return _connection(path, version)


@st.cache_data(max_entries=1024, show_spinner=False)
def _query(name: str, params: tuple, path: str, version: Stamp) -> pd.DataFrame:
    return sql.run(_connection(path, version), name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """The result of queries/<name>.sql for these parameters, cached per database version."""
    path, version = _current()
    return _query(name, tuple(sorted(params.items())), path, version)


def data_version() -> Stamp:
    """Changes whenever the database file is replaced (use it as a cache key)."""
    return _current()[1]


def clear() -> None:
    """Forget cached results and connections (after this process replaced the file)."""
    _query.clear()
    _connection.clear()
