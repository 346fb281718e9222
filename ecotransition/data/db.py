"""The database file: opening it read-only for viewers, and replacing it atomically.

Writers (the build, imports) never touch the live file. They work on a copy next to it
and swap it in with os.replace, so a viewer's open connection keeps reading the old
inode, and a crash leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import struct
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import duckdb

from ecotransition.data import registry, sql

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

CONTRACT_TABLES = registry.TABLES  # the data contract: declared once, in the registry


MISSING = "La base de données est introuvable."


class DatabaseError(Exception):
    """The database file is missing, unreadable or not ours; the message is in French.

    `public` is the same message without the file's path or the engine's error, for anonymous
    visitors (the full message goes to the server's log and to the command line)."""

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public or message


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


# Columns the data contract gained after files were written, with the value an older file's rows
# have: such a file opens with them (its next import adds them for good, imports/__init__.py).
ADDED_COLUMNS = {"events": (("position_derived", "FALSE"),), "counter_channels": (("end_date", "NULL::DATE"),)}


def _has_column(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'db' AND schema_name = 'main' "
                             "AND table_name = $table AND column_name = $column",
                             {"table": table, "column": column}).fetchall()[0][0])


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A hardened read-only connection to the file's current content.

    DuckDB caches database instances per path within a process: while any connection to the
    old file is open, `duckdb.connect(path)` returns that instance even after a writer swapped
    the file, so a viewer would never see an import. An in-memory instance that ATTACHes the
    file is not cached by path: it opens the current file. Views in its default catalog make
    the tables visible to every cursor under their usual names.
    """
    path = Path(path)
    if not path.is_file():
        raise DatabaseError(f"La base de données {path} est introuvable.", public=MISSING)
    config = {k: v for k, v in READ_CONFIG.items()
              if k not in ("enable_external_access", "lock_configuration")}
    try:
        conn = duckdb.connect(":memory:", config=config)
        conn.execute("ATTACH $path AS db (READ_ONLY)", {"path": str(path)})
        tables = conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'db' AND schema_name = 'main'"
        ).fetchall()
        for (name,) in tables:
            quoted = '"' + name.replace('"', '""') + '"'
            added = ", ".join(f"{default} AS {column}" for column, default in ADDED_COLUMNS.get(name, ())
                              if not _has_column(conn, name, column))
            conn.execute(f"CREATE VIEW main.{quoted} AS SELECT *{', ' + added if added else ''} FROM db.main.{quoted}")
        # Before the derived tables' views, which use them (paris_day_seconds).
        sql.create_macros(conn)
        # A file written before a derived table existed still opens: its table is computed
        # on the fly (slower at scale) until the next build or counter import stores it.
        for name in sql.DERIVED:
            if (name,) not in tables:
                conn.execute(f"CREATE VIEW main.{name} AS {sql.load(name).sql}")
        # Views bound to this connection's views of the file (a stored view would not be listed above).
        sql.create_views(conn)
        # Locked down only now: ATTACH itself is external access.
        for key in ("enable_external_access", "lock_configuration"):
            if key in READ_CONFIG:
                conn.execute(f"SET {key} = {str(READ_CONFIG[key]).lower()}")
        conn.execute("SELECT count(*) FROM communes").fetchall()[0]
    except duckdb.Error as exc:
        if writer_holding(path) is not None:
            raise DatabaseBusy(
                "La base de données est occupée : un autre programme l'a ouverte en écriture. "
                "Elle s'affichera de nouveau dès qu'il l'aura fermée (rien n'est endommagé).") from exc
        if _wal(path).exists() and _wal(path).stat().st_size:
            # A program's log that does not replay on this file: a rebuild would not help; the
            # program (or whoever ran it) must save or drop its work.
            raise LeftoverLog(
                f"La base de données {path} ne peut pas être ouverte : le journal d'écriture {_wal(path).name}, "
                f"laissé à côté d'elle par un autre programme, ne correspond pas au fichier ({exc.__class__.__name__}). "
                f"Ce travail ne peut pas être récupéré : déplacez {_wal(path).name} hors du dossier de la base.",
                public="La base de données est momentanément indisponible : un autre programme y a laissé un "
                       "travail non enregistré. L'équipe des données doit le traiter.") from exc
        raise DatabaseError(
            f"La base de données {path} est illisible ou incomplète ({exc.__class__.__name__}).",
            public="La base de données est illisible ou incomplète.") from exc
    return conn


def _tmp_path(path: Path, tag: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{tag}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)  # DuckDB wants to create the file itself
    return Path(name)


def _wal(path: Path) -> Path:
    """DuckDB's write-ahead log of `path`: committed changes not yet saved into the file."""
    return path.with_name(path.name + ".wal")


def _cleanup(tmp: Path) -> None:
    for p in (tmp, _wal(tmp)):
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


def _stamp_versions(conn: duckdb.DuckDBPyConnection, changed: Iterable[str] | None) -> None:
    """Give the `changed` tables (None: every table) a new content version in table_versions.

    Readers key their caches on the versions of the tables a query reads, so a swap that
    leaves a table alone keeps its cached results valid (an events import does not make the
    counters' pages recompute). Versions are random, never reused: two different contents
    never share one. A table without a version yet (a file older than this table) gets one.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS table_versions (table_name VARCHAR PRIMARY KEY, "
                 "version VARCHAR NOT NULL)")
    tables = [t for (t,) in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name <> 'table_versions'"
    ).fetchall()]
    known = {t for (t,) in conn.execute("SELECT table_name FROM table_versions").fetchall()}
    changed = None if changed is None else set(changed)
    stale = [t for t in tables if changed is None or t in changed or t not in known]
    version = uuid.uuid4().hex
    conn.executemany("INSERT OR REPLACE INTO table_versions VALUES (?, ?)", [(t, version) for t in stale])
    conn.execute("DELETE FROM table_versions WHERE NOT list_contains($tables, table_name)", {"tables": tables})


def _fingerprint(path: Path) -> tuple:
    """What another program's write through DuckDB changes: the file (inode, size, modification
    time) and its write-ahead log (size and time, or absent)."""
    out = []
    for p in (path, _wal(path)):
        try:
            st = p.stat()
        except FileNotFoundError:
            out.append(None)
        else:
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _absorb_wal(path: Path) -> None:
    """Save into the file the write-ahead log a program left beside it (it committed, then was
    killed before DuckDB saved the log into the file), before any writer reads or replaces it.

    DuckDB replays that log when the file is next opened; a writer that copied the file alone lost
    those changes, and the new file published beside the old log could no longer be opened by
    anyone (« WAL … does not match », t14i finding 1). The file and its log are copied together,
    the copy opened (DuckDB replays the log), every table stamped with a new version (what the
    program changed is unknown: no cached result may survive), saved, and swapped in once the old
    log is moved aside: a reader meanwhile sees the file as it was, never a file with a log that is
    not its own. LeftoverLog (French) when the log cannot be replayed: nothing changed."""
    wal = _wal(path)
    try:
        if wal.stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    seen = _fingerprint(path)
    tmp = _tmp_path(path, "write")
    aside = None
    try:
        shutil.copyfile(path, tmp)
        shutil.copyfile(wal, _wal(tmp))
        try:
            conn = duckdb.connect(str(tmp))
            try:
                _stamp_versions(conn, None)
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
        except duckdb.Error as exc:
            raise LeftoverLog(
                f"Refusé : le journal d'écriture {wal.name}, laissé à côté de la base par un programme "
                f"arrêté avant de l'y enregistrer, ne peut pas être relu ({exc.__class__.__name__}). Rien n'a "
                f"changé. Le travail qu'il contient ne peut pas être récupéré : déplacez {wal.name} hors du "
                "dossier de la base, puis recommencez.") from exc
        # A program that opened the base meanwhile writes its own log there: that one is not this
        # copy's to drop (a re-check tester's A: its work was lost, the import said « Chargé »).
        refuse_if_busy(path)
        if _fingerprint(path) != seen:
            raise DatabaseBusy(
                f"Refusé : la base {path.name} a été modifiée par un autre programme pendant l'opération. "
                "Rien n'a changé. Recommencez quand ce programme aura fini.")
        aside = _tmp_path(path, "wal")
        try:
            os.replace(wal, aside)
        except FileNotFoundError as exc:   # saved into the base by its program in between
            aside = None
            raise DatabaseBusy(
                f"Refusé : la base {path.name} a été modifiée par un autre programme pendant l'opération. "
                "Rien n'a changé. Recommencez quand ce programme aura fini.") from exc
        try:
            _publish(tmp, path)
        except BaseException:
            os.replace(aside, wal)
            aside = None
            raise
    finally:
        _cleanup(tmp)
        if aside is not None:
            aside.unlink(missing_ok=True)


@contextmanager
def _replacement(path: Path, copy_from: Path | None,
                 changed: Iterable[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A temporary database (empty, or a copy of `copy_from`) that replaces `path` only if
    the block completes; the tables in `changed` (None: all) get a new content version.

    Every writer (build, import, restore) goes through here: an exclusive lock file
    serialises them, so two writers never lose each other's changes, and a writer killed
    mid-way leaves only a temporary file that the next one, holding the lock, removes.

    A symbolic link is followed to its file (os.path.realpath): the copy is made beside the real
    file and replaces it, so the link stays a link and every program that opens the real file
    (an analyst, a backup, another instance) sees the change; replacing the link itself left
    the real file behind (t14h finding 7). The lock file too is beside the real file: writers
    through the link and through the real path wait for each other.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path.with_name(path.name + ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refuse_if_busy(path)
        # Left by a writer killed mid-way: its copy, an upload it had spilled to disk, and a
        # program's log it had moved aside (_absorb_wal) to swap in the file that holds it.
        for pattern in (f".{path.name}.write.*.tmp*", f".{path.name}.import.upload.*.tmp",
                        f".{path.name}.wal.*.tmp"):
            for stale in path.parent.glob(pattern):
                if stale.is_dir():   # DuckDB's spill folder of a copy (<copy>.tmp), beyond its memory limit
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
        if path.exists():
            _absorb_wal(path)
        elif _wal(path).exists():
            # A log without its file (the file deleted, say, to rebuild): nothing to replay it on, and
            # a new file beside it could not be opened by anyone (a re-check tester's B). Kept aside.
            os.replace(_wal(path), path.with_name(f"{path.name}.wal.orphelin-{time.strftime('%Y%m%d-%H%M%S')}"))
        seen = _fingerprint(path)
        tmp = _tmp_path(path, "write")
        try:
            if copy_from is not None:
                shutil.copyfile(copy_from, tmp)
            conn = duckdb.connect(str(tmp))
            try:
                yield conn
                _stamp_versions(conn, changed)
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
            refuse_if_busy(path)   # opened by another program while this one worked
            if _fingerprint(path) != seen:
                # Opened, written and closed by another program while this one worked (no lock left
                # to see): swapping the copy in would silently drop that work (t14i finding 2).
                raise DatabaseBusy(
                    f"Refusé : la base {path.name} a été modifiée par un autre programme pendant l'opération. "
                    "Rien n'a changé. Recommencez quand ce programme aura fini.")
            _publish(tmp, path)
        finally:
            _cleanup(tmp)
    finally:
        lock.close()


def new_database(path: Path):
    """A fresh empty database that replaces `path` only if the block completes."""
    return _replacement(path, None)


def modified_copy(path: Path, start_from: Path | None = None, changed: Iterable[str] | None = None):
    """A writable copy of `path` (or of `start_from`, e.g. a backup being restored) that
    replaces `path` only if the block completes. `changed` names every table the block may
    modify (None, the safe default: all of them)."""
    return _replacement(path, Path(start_from) if start_from else Path(path), changed)


def checksums(conn: duckdb.DuckDBPyConnection, tables=CONTRACT_TABLES) -> dict[str, tuple[int, int]]:
    """(row count, order-independent sum of the hash of every row's text) per table.

    The row's text, not DuckDB's row hash: that one combines field hashes so that values swapped
    between two rows, or two identical rows, leave an XOR unchanged."""
    out = {}
    for table in tables:
        # Table names come from our own constant list, never from input.
        out[table] = conn.execute(
            f"SELECT count(*), coalesce(sum(hash(t::VARCHAR)::HUGEINT), 0) FROM {table} t"
        ).fetchall()[0]
    return out


class DatabaseBusy(DatabaseError):
    """Another process holds the database file open for writing; the message is in French."""


class LeftoverLog(DatabaseBusy):
    """Another program's write-ahead log beside the file cannot be replayed; French message."""


def writer_holding(path: Path) -> tuple[int, str] | None:
    """(PID, program name) of another process holding a write lock on the file, else None.

    DuckDB takes a POSIX write lock on a file it opens read-write (an analyst's shell, a
    script); F_GETLK asks for that lock without taking any. Our own process's locks never
    conflict with our own request, so the dashboard's read-only connections are not reported.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        request = struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        l_type, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, request + b"\0" * 4)[:28])
    except OSError:
        return None
    finally:
        os.close(fd)
    if l_type == fcntl.F_UNLCK:
        return None
    return pid, _program(pid)


def _program(pid: int) -> str:
    """The name of the program a process runs (« duckdb », « python3.11 »), never its arguments: an
    analyst's `duckdb -cmd "ATTACH 'postgres://user:secret@…'"` must not reach whoever imports (t14h
    finding 16). The first word of its command line, without its folder; else the kernel's name."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
    except OSError:
        argv0 = ""
    if not argv0:
        try:
            argv0 = Path(f"/proc/{pid}/comm").read_text(errors="replace")
        except OSError:
            argv0 = ""
    name = os.path.basename(argv0.strip())
    return "".join(c for c in name if c.isprintable())[:60]


def refuse_if_busy(path: Path) -> None:
    """Raise DatabaseBusy when another program holds `path` for writing: swapping the file
    under it would lose its work and leave a WAL that no longer matches."""
    holder = writer_holding(Path(path))
    if holder is not None:
        pid, program = holder
        raise DatabaseBusy(
            f"Refusé : la base {Path(path).name} est ouverte en écriture par un autre programme "
            f"(verrou d'écriture DuckDB tenu par le processus {pid}"
            + (f", programme « {program} »" if program else "")
            + "). Rien n'a changé. Fermez ce programme, puis recommencez.")
