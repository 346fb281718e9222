"""Copies of the database kept before each import, and restoring one of them.

A backup is the previous version of the file itself: writers never change the live file
in place (they publish a new file with os.replace), so a hard link to it taken under the
writers' lock, just before the swap, is a complete and frozen copy that costs no disk
space until it is the only name left. The last `KEPT` backups are kept.

    python -m ecotransition.data.backup [--db PATH] [--restore NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ecotransition.core import clock
from ecotransition.core.paths import db_path
from ecotransition.data.db import DatabaseBusy, modified_copy

KEPT = 5
RESTORE = "restauration"
_NAME = re.compile(r"(?P<stem>.+)\.(?P<at>\d{8}-\d{6})(?:-(?P<n>\d+))?\.(?P<what>[a-z_]+)\.duckdb")


@dataclass(frozen=True)
class Backup:
    name: str
    path: Path
    taken_at: datetime
    before: str          # the dataset whose import followed it, or 'restauration'
    size: int


def directory(db: Path) -> Path:
    return Path(db).parent / "backups"


def list_backups(db: str | os.PathLike | None = None) -> list[Backup]:
    """This database's backups, most recent first."""
    db = db_path(db)
    out = []
    folder = directory(db)
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        m = _NAME.fullmatch(p.name)
        if not m or m["stem"] != db.stem or not p.is_file():
            continue
        out.append(Backup(p.name, p, datetime.strptime(m["at"], "%Y%m%d-%H%M%S"), m["what"],
                          p.stat().st_size))
    return sorted(out, key=lambda b: (b.taken_at, _seq(b.name)), reverse=True)


def _seq(name: str) -> int:
    m = _NAME.fullmatch(name)
    return int(m["n"] or 0) if m else 0


def keep(db: str | os.PathLike, before: str, now: datetime, kept: int = KEPT) -> Path:
    """Keep the current file as a backup (call it under the writers' lock, before the swap)."""
    db = Path(db)
    folder = directory(db)
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{db.stem}.{now:%Y%m%d-%H%M%S}"
    # Several writes within one second: a sequence number keeps them in order.
    same_second = [p for p in folder.glob(f"{base}*.duckdb") if _NAME.fullmatch(p.name)]
    n = 1 + max((_seq(p.name) or 1 for p in same_second), default=0)
    target = folder / (f"{base}.{before}.duckdb" if n == 1 else f"{base}-{n}.{before}.duckdb")
    # The file itself, not a symbolic link to it: a hard link of the link would follow the live
    # file through every later swap, and the backup would hold the new version, not the old one.
    source = os.path.realpath(db)
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)
    for old in list_backups(db)[kept:]:
        old.path.unlink(missing_ok=True)
    return target


def restore(name: str, db: str | os.PathLike | None = None, now: datetime | None = None) -> Backup:
    """Make backup `name` the live database, atomically.

    The import history is not rolled back: it stays complete and gains a « restauré » row.
    The current file is itself kept as a backup first, so a restore can be undone.
    """
    db = db_path(db)
    chosen = next((b for b in list_backups(db) if b.name == name), None)
    if chosen is None:
        raise ValueError(f"sauvegarde inconnue : {name}")
    now = now or clock.now()
    with modified_copy(db, start_from=chosen.path) as conn:
        try:
            conn.execute("ATTACH $live AS live (READ_ONLY)", {"live": str(db)})
        except duckdb.IOException as exc:
            # Opened for writing by another program since the restore began (a re-check tester's E).
            raise DatabaseBusy(
                f"Refusé : la base {Path(db).name} a été ouverte en écriture par un autre programme pendant "
                "la restauration. Rien n'a changé. Recommencez quand ce programme aura fini.") from exc
        conn.execute("BEGIN TRANSACTION")
        conn.execute("DELETE FROM imports")
        conn.execute("INSERT INTO imports BY NAME SELECT * FROM live.imports")
        conn.execute(
            "INSERT INTO imports (id, imported_at, dataset, file_name, sha256, rows_read, rows_loaded, "
            "rows_rejected, status, message) VALUES ($id, $at, $what, $file, NULL, NULL, NULL, NULL, "
            "'restauré', $message)",
            {"id": uuid.uuid4().hex, "at": now, "what": RESTORE, "file": chosen.name,
             "message": f"Base restaurée telle qu'elle était le {chosen.taken_at:%d/%m/%Y à %H:%M:%S} "
                        f"(avant l'import « {chosen.before} »). L'état remplacé est gardé en sauvegarde."})
        conn.execute("COMMIT")
        conn.execute("DETACH live")
        keep(db, RESTORE, now)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecotransition.data.backup",
                                     description="Sauvegardes de la base (avant chaque import).")
    parser.add_argument("--db", help="base de données (défaut : $ECOTRANSITION_DB ou data/ecotransition.duckdb)")
    parser.add_argument("--restore", metavar="NOM", help="restaurer cette sauvegarde")
    args = parser.parse_args(argv)
    db = db_path(args.db)
    if args.restore:
        try:
            chosen = restore(args.restore, db)
        except (ValueError, DatabaseBusy) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"Restaurée : {chosen.name}")
        return 0
    for b in list_backups(db):
        print(f"{b.name}  {b.taken_at:%d/%m/%Y %H:%M:%S}  avant {b.before}  {b.size / 2**20:.1f} Mio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
