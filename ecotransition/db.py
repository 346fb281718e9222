"""The database file: opening it read-only for viewers, and replacing it atomically.

Writers (the build, imports) never touch the live file. They work on a copy next to it
and swap it in with os.replace, so a viewer's open connection keeps reading the old
inode, and a crash leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

READ_CONFIG = {
    # Queries may not read or write files on the server, nor load extensions.
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "memory_limit": "2GB",
    "threads": 2,
    # Page queries cannot lift these limits with SET.
    "lock_configuration": True,
}

CONTRACT_TABLES = (
    "epci", "communes", "investments", "solar_production", "solar_potential",
    "cadastre_usage", "park_sites", "counter_sites", "counter_channels",
    "counter_measures", "events", "indicators", "imports",
)


class DatabaseError(Exception):
    """The database file is missing, unreadable or not ours; the message is in French."""


@dataclass(frozen=True)
class Stamp:
    """Identity of the file's current content: it changes whenever a writer swaps it."""
    inode: int
    mtime_ns: int
    size: int


def stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return Stamp(st.st_ino, st.st_mtime_ns, st.st_size)


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.is_file():
        raise DatabaseError(f"La base de données {path} est introuvable.")
    try:
        conn = duckdb.connect(str(path), read_only=True, config=dict(READ_CONFIG))
        conn.execute("SELECT count(*) FROM communes").fetchall()[0]
    except duckdb.Error as exc:
        raise DatabaseError(
            f"La base de données {path} est illisible ou incomplète ({exc.__class__.__name__})."
        ) from exc
    return conn


def _tmp_path(path: Path, tag: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{tag}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)  # DuckDB wants to create the file itself
    return Path(name)


def _cleanup(tmp: Path) -> None:
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _publish(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def new_database(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh empty database that replaces `path` only if the block completes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path, "build")
    try:
        conn = duckdb.connect(str(tmp))
        try:
            yield conn
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        _publish(tmp, path)
    finally:
        _cleanup(tmp)


@contextmanager
def modified_copy(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of `path`; it replaces `path` only if the block completes.

    Two writers at once would lose one's changes, so an exclusive lock file serialises them.
    """
    import fcntl

    path = Path(path)
    lock = open(path.with_name(path.name + ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tmp = _tmp_path(path, "import")
        try:
            shutil.copyfile(path, tmp)
            conn = duckdb.connect(str(tmp))
            try:
                yield conn
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
            _publish(tmp, path)
        finally:
            _cleanup(tmp)
    finally:
        lock.close()


def checksums(conn: duckdb.DuckDBPyConnection, tables=CONTRACT_TABLES) -> dict[str, tuple[int, int]]:
    """(row count, order-independent hash of every row) per table: equal content, equal sums."""
    out = {}
    for table in tables:
        # Table names come from our own constant list, never from input.
        out[table] = conn.execute(
            f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} t"
        ).fetchall()[0]
    return out
