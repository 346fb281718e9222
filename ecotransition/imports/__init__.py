"""Importing one data file into the database: the same path for the /donnees page and for

    python -m ecotransition.imports DATASET FILE [--db PATH] [--sheet NAME]

Everything happens in a private copy of the database (db.modified_copy), under the writers'
lock: the file is staged and checked against the reference tables, and then either

- refused: the data tables stay exactly as they were; only the `imports` log gains a row
  (status « refusé ») whose message names every bad line, column, value and reason;
- loaded in one transaction with an upsert on the dataset's natural key (status « chargé »),
  after a backup of the current file (the last 5 are kept); or
- found identical to what is already there (status « inchangé »): re-importing a file is a no-op.

The copy then replaces the live file atomically, so a running dashboard sees the old state
or the new one, never a mix, and picks the new one up as soon as the file's stamp changes.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from ecotransition.core import clock
from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.core.paths import db_path
from ecotransition.data import backup, registry, sql
from ecotransition.data.db import DatabaseBusy, modified_copy
from ecotransition.imports.datasets import DATASETS, Context, Dataset
from ecotransition.imports.formats.counters import step_notes
from ecotransition.imports.readers import (
    ReadError, Table, check_caps, head_rows, normalize_header, numbered_copy, probe_csv, probe_legacy,
    read_table,
    sniff_delimiter,
)
from ecotransition.imports.validate import (
    Issue, Match, Staged, install_macros, match_header, rejected_lines, report, resolve_separators, sort_issues,
    stage_csv,
    stage_csv_typed, stage_table, table_issues, type_issues, zulu_sample,
)

__all__ = ["DATASETS", "ImportResult", "import_file", "LOADED", "REFUSED", "UNCHANGED"]

LOADED, REFUSED, UNCHANGED = "chargé", "refusé", "inchangé"
PARIS = clock.PARIS
DEMO = "démonstration"

Progress = Callable[[float, str], None]


@dataclass
class ImportResult:
    status: str
    dataset: str
    file_name: str
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    inserted: int = 0
    updated: int = 0
    # The lines of the file kept once those of other communes or filières were set aside:
    # only when all the rows read are kept and already stored is the file « déjà importé ».
    rows_kept: int = 0
    message: str = ""
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    format: str = ""
    encoding: str = ""
    backup: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status != REFUSED


def storage_problem(exc: BaseException) -> str | None:
    """A French sentence for a full or read-only disk met while writing (nothing was swapped in:
    the writer works on a copy), else None."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in text:
        return ("disque plein : la copie de travail de la base n'a pas pu être écrite. Rien n'a changé ; "
                "libérez de la place puis recommencez.")
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return "disque en lecture seule : rien n'a changé."
    return None


def _no_progress(fraction: float, message: str) -> None:
    pass


def import_file(dataset: str, file: str | os.PathLike | bytes, db: str | os.PathLike | None = None, *,
                file_name: str | None = None, sheet: str | None = None,
                progress: Progress | None = None, snapshot_year: int | None = None) -> ImportResult:
    """Import `file` (a path, or the bytes of an upload) as `dataset` into the database `db`.

    `snapshot_year`: the ODRÉ register's vintage (its rows aggregating small installations count
    from that year); by default read from the file's name, else its latest commissioning date.
    """
    t0 = time.perf_counter()
    notify = progress or _no_progress
    options = {"snapshot_year": snapshot_year} if snapshot_year else {}
    if dataset not in DATASETS:
        raise ValueError(f"jeu de données inconnu : {dataset} (attendus : {', '.join(DATASETS)})")
    ds = DATASETS[dataset]
    db = db_path(db)
    if not Path(db).is_file():
        raise FileNotFoundError(f"La base de données {db} est introuvable "
                                "(construisez-la : python -m ecotransition.build).")
    path: Path | None = None
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
        file_name = file_name or "fichier"
    else:
        # Absolute: DuckDB's reader expands a leading « ~ » to the home folder (a folder named « ~ »
        # read $HOME's file, t14j finding 4) and reads « s3:// » or « http:// » as remote.
        path = Path(file).absolute()
        file_name = file_name or path.name
        # Said once, in French, before anything reads it (the digest thread, the probe).
        if not path.exists():
            raise FileNotFoundError(f"le fichier {path} est introuvable.")
        if path.is_dir():
            raise IsADirectoryError(f"{path} est un dossier, pas un fichier.")
        # A file that DuckDB may read itself is not loaded in Python (memory must not grow with
        # it): its head, line count and digest are read from the path, by chunks.
        data = path if ds.fast and not _globbed(path) else path.read_bytes()

    def whole() -> bytes:
        """The file's bytes, for the readers in Python (its size capped before)."""
        return data if isinstance(data, bytes) else Path(data).read_bytes()
    # A file name is imported text too: format and control characters (« Parc\u202egnp.exe ») go.
    file_name = "".join(c for c in file_name if unicodedata.category(c) not in ("Cf", "Cc")) or "fichier"
    # The digest of a large file is computed while DuckDB reads it (hashlib releases the GIL).
    digest = _Digest(data)
    result = ImportResult(REFUSED, dataset, file_name, "")
    now = clock.now()
    source_day = now.strftime("%d/%m/%Y")

    notify(0.02, "Lecture du fichier")
    # Reading and decoding need no database: done before taking the writers' lock.
    fast = probe_csv(data) if ds.fast else None
    # A Windows-1252 file of such a dataset beyond what is read in Python (the cells' cap): read
    # from a numbered copy in UTF-8 by DuckDB, like a UTF-8 file that needs its lines named.
    legacy = None
    table: Table | None = None
    read_error: Issue | None = None
    try:
        check_caps(data, fast=fast is not None)
    except ReadError:
        legacy = probe_legacy(data) if ds.fast and fast is None else None
        try:
            if legacy is None:
                raise
            check_caps(data, fast=True)
        except ReadError as refused:
            read_error, legacy = Issue(0, None, None, None, str(refused)), None
        fast = None
    if fast is None and legacy is None and read_error is None:
        try:
            table = read_table(whole(), sheet, progress=lambda f: notify(0.02 + 0.2 * f, "Lecture du fichier"))
        except ReadError as exc:
            read_error = Issue(0, None, None, None, str(exc))

    tmp_csv: Path | None = None
    try:
        try:
            # The dataset's table, the tables derived from it and the imports log (written even
            # when the file is refused): the other tables' cached results stay valid for viewers.
            changed = [ds.table, "imports", *(d for d, sources in sql.DERIVED.items() if ds.table in sources)]
            with modified_copy(db, changed=changed) as conn:
                install_macros(conn)
                journaled = _merge_journal(conn, db)
                columns = conn.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                                       "AND table_name = $t", {"t": ds.table}).fetchall()[0][0]
                migrated = 0   # rows of the dataset's table given a column this file version lacked
                if ds.table == "counter_measures":
                    # A file built before measures kept their UTC offset: add it, by the Paris rule.
                    conn.execute("ALTER TABLE counter_measures ADD COLUMN IF NOT EXISTS utc_offset SMALLINT")
                    migrated += conn.execute("UPDATE counter_measures SET utc_offset = paris_offset(start_datetime) "
                                             "WHERE utc_offset IS NULL").fetchall()[0][0]
                    # …and of its end: an end equal to the start in the repeated October hour was the
                    # first 02:00's (it ends at the second, +01:00); other ends by the Paris rule.
                    conn.execute("ALTER TABLE counter_measures ADD COLUMN IF NOT EXISTS end_utc_offset SMALLINT")
                    migrated += conn.execute(
                        "UPDATE counter_measures SET end_utc_offset = CASE WHEN end_datetime = start_datetime "
                        "THEN utc_offset - 60 ELSE paris_offset(end_datetime) END "
                        "WHERE end_utc_offset IS NULL AND end_datetime IS NOT NULL").fetchall()[0][0]
                if ds.table == "counter_channels":
                    # A file built before a channel could be declared ended (t12i finding 1).
                    conn.execute("ALTER TABLE counter_channels ADD COLUMN IF NOT EXISTS end_date DATE")
                if ds.table == "events":
                    # A file built before the events recorded a derived (centroid) position.
                    conn.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS position_derived BOOLEAN DEFAULT false")
                migrated += conn.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                                         "AND table_name = $t", {"t": ds.table}).fetchall()[0][0] - columns
                ctx: Context | None = None
                issues: list[Issue] = []
                try:
                    if read_error is not None:
                        issues = [read_error]
                    else:
                        if fast is not None:
                            # A name DuckDB would take as a pattern is read from a copy, the bytes already hashed.
                            if path is None or _globbed(path):
                                tmp_csv = _spill(whole(), db)
                                path = None
                            ctx = _fast_check(conn, ds, str(path or tmp_csv), fast, result, source_day, notify, options)
                            if ctx is None:
                                # Something is wrong: read the file again with its line numbers, one record at
                                # a time, and let DuckDB check the copy (memory bounded whatever its size).
                                notify(0.3, "Vérification détaillée des valeurs")
                                numbered = _numbered_check(conn, ds, path or tmp_csv, fast, result, source_day, db,
                                                           options)
                                if numbered is None:   # not UTF-8 after all, or not read as told
                                    try:
                                        check_caps(data, fast=False)
                                        table = read_table(whole(), sheet)
                                    except ReadError as exc:
                                        read_error = Issue(0, None, None, None, str(exc))
                                else:
                                    issues, ctx = numbered
                        if legacy is not None:
                            if path is None or _globbed(path):
                                tmp_csv = _spill(whole(), db)
                                path = None
                            notify(0.1, "Lecture du fichier")
                            numbered = _numbered_check(conn, ds, path or tmp_csv, legacy, result, source_day, db,
                                                       options)
                            if numbered is None:
                                read_error = Issue(0, None, None, None, "le fichier n'est ni en UTF-8 ni en "
                                                   "Windows-1252 : réexportez-le en CSV UTF-8.")
                            else:
                                issues, ctx = numbered
                        if read_error is not None:
                            issues = [read_error]
                        elif table is not None:
                            notify(0.3, "Vérification des valeurs")
                            issues, ctx = _table_check(conn, ds, table, result, source_day, options)
                except duckdb.Error as exc:
                    if storage_problem(exc) is not None:
                        raise
                    # Whatever DuckDB met while reading or checking the file (memory, a line it cannot
                    # parse): a refusal in French, logged like any other, nothing loaded.
                    issues, ctx = [_duckdb_issue(exc)], None
                result.sha256 = digest.hexdigest()
                if issues:
                    _refuse(result, issues, conn)
                    if not _log_refusal(conn, db, result, now):
                        journaled = None   # holds this refusal now (merging is by id: harmless)
                else:
                    try:
                        _load_and_log(conn, ds, ctx, result, now, notify)
                    except duckdb.Error as exc:
                        if storage_problem(exc) is not None:
                            raise
                        # The checks passed but the load failed (memory, a constraint, a bug): the
                        # transaction is undone, and the refusal is logged like any other.
                        try:
                            conn.execute("ROLLBACK")
                        except duckdb.Error:   # the failure was the COMMIT itself: nothing to undo
                            pass
                        result.inserted = result.updated = 0
                        result.notes = []
                        _refuse(result, [_load_issue(exc)])
                        if not _log_refusal(conn, db, result, now):
                            journaled = None
                    if result.status == LOADED:
                        notify(0.85, "Sauvegarde de la version précédente")
                        result.backup = backup.keep(db, dataset, now)
                if result.status != LOADED and not migrated:
                    # Refused or unchanged: only the history changed, so only `imports` gets a new
                    # content version (modified_copy stamps this list after the block); the data
                    # tables' cached results stay valid for viewers (t14h finding 9).
                    changed[:] = ["imports"]
                notify(0.9, "Publication de la nouvelle version")
            if journaled:   # in the history of the version just swapped in
                journaled.unlink(missing_ok=True)
        except DatabaseBusy as exc:
            # Another program holds the database for writing: nothing was swapped in, and no working
            # copy can hold the history line. Journaled like a full disk's refusal, merged into the
            # history by the next writer (t14h finding 16).
            result.sha256 = digest.hexdigest()
            result.status, result.inserted, result.updated, result.rows_loaded = REFUSED, 0, 0, 0
            result.message = f"Import impossible : {exc}"
            try:
                _journal(db, result, now)
                exc.history_note = "Le refus sera inscrit dans l'historique des imports au prochain import réussi."
            except OSError:
                exc.history_note = ""
            raise
        except duckdb.OutOfMemoryException:
            # Out of memory while the working copy was closed (its version stamps): that copy is
            # dropped, nothing changed. A refusal in French, journaled like a full disk's.
            result.sha256 = digest.hexdigest()
            result.inserted = result.updated = 0
            result.notes = []
            result.backup = None
            _refuse(result, [Issue(0, None, None, None, "mémoire insuffisante pour enregistrer cet import : rien "
                                   "n'a été chargé. Découpez le fichier (par exemple par mois) et importez les "
                                   "parties l'une après l'autre.")])
            try:
                _journal(db, result, now)
                result.message += "\nLe refus sera inscrit dans l'historique des imports au prochain import."
            except OSError:
                pass
        except (OSError, duckdb.IOException) as exc:
            # A full disk: no working copy, so no history line in the database. The refusal goes to a
            # small journal beside it, merged into the history by the next writer (_merge_journal).
            problem = storage_problem(exc)
            if problem is None:
                raise
            result.sha256 = digest.hexdigest()
            result.message = f"Import impossible : {problem}"
            try:
                _journal(db, result, now)
                exc.history_note = "Le refus sera inscrit dans l'historique des imports au prochain import réussi."
            except OSError as again:
                exc.history_note = ("L'historique des imports n'a pas pu être complété non plus "
                                    f"({storage_problem(again) or again}).")
            raise
    finally:
        if tmp_csv is not None:
            tmp_csv.unlink(missing_ok=True)
    result.seconds = time.perf_counter() - t0
    already = result.rows_kept == result.rows_read
    notify(1.0, {LOADED: "Import terminé",
                 UNCHANGED: "Fichier déjà importé : rien n'a changé" if already else
                 "Rien n'a changé : les lignes retenues sont déjà dans la base" if result.rows_kept else
                 "Rien n'a changé : aucune ligne à charger",
                 REFUSED: "Fichier refusé"}[result.status])
    return result


def _source_label(source: str, file_name: str, day: str) -> str:
    """What loaded rows say about their origin: the file's name and the day it was imported."""
    if source == "Import":
        return f"Import {file_name} du {day}"
    return f"{source} ({file_name}, import du {day})"


def _fast_check(conn, ds: Dataset, path: str, probe, result: ImportResult, day: str,
                notify: Progress, options: dict) -> Context | None:
    """Stage and check a UTF-8 CSV read by DuckDB; None when anything is wrong with it."""
    encoding, delimiter, header = probe
    match = match_header(header, ds.formats)
    if match.issues:
        return None
    notify(0.1, "Lecture du fichier")
    if zulu_sample(head_rows(path, delimiter), match):
        # Instants written as the schema does (…Z): DuckDB parses them as it reads. Anything else
        # in such a file (a bad cell, a line DuckDB cannot read) goes to the numbered reading,
        # which names lines: not first to the reading as text (a third pass over a large file
        # with one bad row, 2-3× the cost of a clean import).
        staged = stage_csv_typed(conn, path, delimiter, header, match)
        if staged is None:
            return None
    else:
        staged = stage_csv(conn, path, delimiter, header, match)
    if staged is None or not staged.rows:
        return None
    notify(0.35, "Vérification des valeurs")
    result.rows_read = staged.rows
    ctx = _rules(conn, ds, staged, _source_label(match.format.source, result.file_name, day), result.file_name,
                 options)
    if ctx.issues:
        return None
    result.encoding, result.format = encoding, match.format.label
    return ctx


def _table_check(conn, ds: Dataset, table: Table, result: ImportResult, day: str, options: dict,
                 stage: Callable[[Match], Staged | None] | None = None,
                 rows: int | None = None) -> tuple[list[Issue], Context | None]:
    """Check a file read as a Table. `stage` and `rows`: a file whose records are not in
    `table.rows` (a numbered copy staged by DuckDB, see _numbered_check) and their number."""
    match = match_header(table.header, ds.formats)
    rows = len(table.rows) if rows is None else rows
    result.rows_read = rows + len({line for line, col, _ in table.cell_errors if not col}) + table.more_width_errors
    result.encoding, result.format = table.encoding, match.format.label
    issues = list(match.issues) + table_issues(table)
    header_line = _header_below(table, ds, match)
    if header_line is not None:
        # The title above the header is the one fault: the rows then do not fit the « header »
        # (« 5 valeurs pour 1 colonnes » on every line), which says nothing more.
        real = match_header(_cells(table, header_line), ds.formats, header_line)
        result.format = real.format.label
        issues = [Issue(0, 1, None, None, f"l'en-tête semble être à la ligne {header_line} : supprimez "
                                          f"la ou les lignes de titre au-dessus, puis importez de nouveau"),
                  Issue(0, 1, None, None, f"format reconnu à la ligne {header_line} : {real.format.label}")]
    if match.issues and len(table.sheets) > 1:
        others = ", ".join(f"« {s} »" for s in table.sheets if s != table.sheet)
        issues.append(Issue(0, None, None, None, f"feuille lue : « {table.sheet} » ; le classeur contient "
                                                 f"aussi {others} : choisissez la feuille des données"))
    if match.issues:
        return issues, None
    staged = stage_table(conn, table, match) if stage is None else stage(match)
    if staged is None:
        raise ReadError("le fichier n'a pas pu être relu ligne par ligne.")
    ctx = _rules(conn, ds, staged, _source_label(match.format.source, result.file_name, day), result.file_name,
                 options)
    issues += ctx.issues
    if not issues and not rows:
        issues.append(Issue(0, None, None, None, "le fichier ne contient aucune ligne de données."))
    return issues, ctx


def _numbered_check(conn, ds: Dataset, path: Path, probe, result: ImportResult, day: str, db: Path,
                    options: dict) -> tuple[list[Issue], Context | None] | None:
    """The detailed check of a UTF-8 CSV the fast path found wrong (or could not read): a numbered
    copy (readers.numbered_copy) staged and checked by DuckDB, so that every message names the
    file's lines and values, in memory bounded whatever the file's size (DuckDB spills beyond
    validate.WRITER_MEMORY). None when the file is not UTF-8 after all or the copy cannot be read
    as told: the caller then reads it in Python."""
    encoding, delimiter, _ = probe
    # Named like an upload's spill: a killed writer's copy is removed by the next writer (db.modified_copy).
    fd, name = tempfile.mkstemp(prefix=f".{Path(db).name}.import.upload.lines.", suffix=".tmp", dir=Path(db).parent)
    os.close(fd)
    copy = Path(name)
    try:
        try:
            table, rows = numbered_copy(Path(path), copy, delimiter,
                                        "cp1252" if encoding == "Windows-1252" else "utf-8-sig")
        except UnicodeDecodeError:
            return None
        except ReadError as exc:
            return [Issue(0, None, None, None, str(exc))], None
        table.encoding = encoding
        try:
            return _table_check(conn, ds, table, result, day, options, rows=rows,
                                # numbered (positional: tests count the calls through a spy)
                                stage=lambda match: stage_csv(conn, str(copy), delimiter, table.header, match, True))
        except ReadError:
            return None
    finally:
        copy.unlink(missing_ok=True)


def _load_and_log(conn, ds: Dataset, ctx: Context, result: ImportResult, now: datetime, notify: Progress) -> None:
    """Load the checked rows, refresh what derives from them and log the import, in one transaction."""
    notify(0.6, "Chargement dans la base")
    result.notes = ctx.notes
    conn.execute("BEGIN TRANSACTION")
    result.inserted, result.updated = _load(conn, ds, ctx)
    result.rows_loaded = result.inserted + result.updated
    if result.rows_loaded and ds.table in sql.DERIVED["counter_daily"]:
        notify(0.7, "Mise à jour des sommes journalières des compteurs")
        if ds.table == "counter_measures":
            # Every measure the file touched lies in these channels and days.
            channels, first, last = ctx.span
            # The step the measures have, not the declared one (README « Pas de temps des canaux »;
            # a channels file gets it in its check, formats/counters.build_channels).
            restepped = sql.measure_steps(conn, channels)
            ctx.notes.extend(step_notes(restepped))
            sql.materialize(conn, "counter_daily",
                            "list_contains($channels, channel_id) AND day BETWEEN $first AND $last",
                            channels=channels, first=first.date(), last=last.date())
            # A channel whose step changed expects another number of measures on every day.
            channels = [c for c, *_ in restepped]
        else:
            channels = [r[0] for r in conn.execute("SELECT DISTINCT channel_id FROM _new").fetchall()]
        if channels:
            # A channel's time step sets how many measures each of its days expects.
            sql.materialize(conn, "counter_daily", "list_contains($channels, channel_id)", channels=channels)
    result.status = LOADED if result.rows_loaded else UNCHANGED
    # The file's lines kept, not the rows to load: an ODRÉ installation makes one row per year.
    result.rows_kept = ctx.staged.rows
    result.message = _summary(conn, result)
    _log(conn, result, now)
    conn.execute("COMMIT")


def _load_issue(exc: duckdb.Error) -> Issue:
    """A French refusal for an error DuckDB raised while loading rows that passed every check."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return Issue(0, None, None, None, "mémoire insuffisante pour charger ce fichier : rien n'a été chargé. "
                                          "Découpez le fichier (par exemple par mois) et importez les parties "
                                          "l'une après l'autre.")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Issue(0, None, None, None, f"le chargement dans la base a échoué après les vérifications (message de "
                                      f"la base : {first[:200]}) : rien n'a été chargé.")


_DUCKDB_LINE = re.compile(r"\b[Ll]ine:? (\d+)")


def _duckdb_issue(exc: duckdb.Error) -> Issue:
    """A French refusal for an error DuckDB raised inside an import, naming the line if it says."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return Issue(0, None, None, None, "mémoire insuffisante pour vérifier ce fichier : rien n'a été "
                                          "chargé. Découpez le fichier (par exemple par mois) et importez "
                                          "les parties l'une après l'autre.")
    found = _DUCKDB_LINE.search(str(exc))
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Issue(0, int(found.group(1)) if found else None, None, None,
                 f"le fichier n'a pas pu être lu (message du lecteur : {first[:200]})")


def _cells(table: Table, line: int) -> list[str]:
    """The cells of a line among the first records, split by its own separator when the
    header's made it one cell (a title without separators above the real header)."""
    row = next(r for k, r in table.head if k == line)
    cells = [str(c or "") for c in row]
    if table.delimiter and len(cells) == 1:
        cells = next(csv.reader([cells[0]], delimiter=sniff_delimiter(cells[0])))
    return cells


def _header_below(table: Table, ds: Dataset, match) -> int | None:
    """The line of the real header when a title sits above it (the first lines of the file
    do not name the columns, a later one does), else None."""
    if not any(i.reason.startswith("colonne manquante") for i in match.issues):
        return None
    for line, _ in table.head:
        if not match_header(_cells(table, line), ds.formats, line).issues:
            return line
    return None


def _rules(conn, ds: Dataset, staged: Staged, source: str, file_name: str, options: dict) -> Context:
    """Every check of the dataset; when all pass, `_new` holds the rows to load."""
    ctx = Context(conn, staged, source, options=options, file_name=file_name)
    if ds.select is not None:
        ds.select(ctx)
    # Type problems first in the report; the rules still run (they skip unparsed values),
    # so one bad column never hides the other problems.
    resolve_separators(conn, staged)   # « 1.000 » in decimal columns, where the file tells
    ctx.issues.extend(type_issues(conn, staged))
    if "source" in staged.present:
        # « démonstration » is the app's own mark of generated rows (the badge, the notes): a file that
        # wrote it had its real rows shown as generated ones (a re-check tester's N7). The report's
        # name stays allowed: staff may enter its figures.
        ctx.check("SELECT line, 'source', r__source, $reason FROM _parsed "
                  "WHERE lower(strip_accents(trim(source))) = lower(strip_accents($demo))",
                  demo=DEMO_SOURCE,
                  reason="est réservé aux données de démonstration que l'application génère : indiquez la "
                         "source réelle de la ligne, ou laissez la cellule vide")
    ds.build(ctx)
    if staged.exact_lines:
        for col in staged.match.format.columns:
            if col.kind == "date" and col.name in staged.present and col.name not in ctx.own_time_notes:
                timed, zoned = ctx.conn.execute(
                    f"SELECT count(*) FILTER (_time_part(r__{col.name})), "
                    f"count(*) FILTER (_date_zone_min(r__{col.name}) IS NOT NULL) "
                    f"FROM _parsed WHERE {col.name} IS NOT NULL").fetchall()[0]
                if timed or zoned:
                    ctx.notes.append(
                        f"{max(timed, zoned)} valeur{'s' if max(timed, zoned) > 1 else ''} de "
                        f"« {staged.label(col.name)} » avec une heure : seule la date est gardée"
                        + (f" (pour {zoned} heure{'s' if zoned > 1 else ''} avec un décalage ou Z, "
                           "la date à Paris de cet instant)" if zoned else ""))
    return ctx


class _Digest(threading.Thread):
    def __init__(self, data: bytes | Path):
        super().__init__(daemon=True)
        self._data, self._hex = data, ""
        self.start()

    def run(self) -> None:
        if isinstance(self._data, bytes):
            self._hex = hashlib.sha256(self._data).hexdigest()
            return
        sha = hashlib.sha256()
        with open(self._data, "rb") as fh:
            while chunk := fh.read(1 << 22):
                sha.update(chunk)
        self._hex = sha.hexdigest()

    def hexdigest(self) -> str:
        self.join()
        return self._hex


def _globbed(path: Path) -> bool:
    """DuckDB reads a path as a glob pattern: « m[1].csv » would read m1.csv, « m*.csv » several files;
    and « ~ » as the home folder (callers pass absolute paths, this is the last guard)."""
    return any(ch in str(path) for ch in "*?[]{}~")


def _spill(data: bytes, db: Path) -> Path:
    """An upload written to disk so that DuckDB can read it (next to the database: same disk)."""
    # Named like the writer's other temporary files: a killed writer's leftovers are removed
    # by the next one (see db.modified_copy) and ignored by git.
    fd, name = tempfile.mkstemp(prefix=f".{Path(db).name}.import.upload.", suffix=".tmp", dir=Path(db).parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(name)


def _refuse(result: ImportResult, issues: list[Issue], conn: duckdb.DuckDBPyConnection | None = None) -> None:
    """A refusal's status, counts and message; `conn`, the import's connection, counts the lines of
    checks beyond COLLECTED issues exactly (validate.rejected_lines)."""
    issues = sort_issues(list(dict.fromkeys(issues)))
    result.status = REFUSED
    result.issues = issues
    result.rows_rejected = rejected_lines(issues, conn)
    result.rows_loaded = 0
    result.message = report(issues, lines=result.rows_rejected)


def _load(conn: duckdb.DuckDBPyConnection, ds: Dataset, ctx: Context) -> tuple[int, int]:
    """Upsert `_new` into the table on its key; returns (inserted, updated).

    Columns the file provides are overwritten. The others keep their value, unless the row
    was demonstration data (then they are emptied: a real source must not vouch for
    generated values). Rows equal to what is stored are left alone, which makes a
    re-import a no-op.
    """
    t = ds.table
    key = list(ds.key)
    provided = [c for c in ds.values if c in ctx.provided]
    kept = [c for c in ds.values if c not in ctx.provided]
    on = " AND ".join(f"{t}.{k} = n.{k}" for k in key)
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM {t}.{c}" for c in provided) or "false"
    sets = [f"{c} = n.{c}" for c in provided]
    # n.source is the demonstration only for a demonstration channel a file merely ends (formats.counters).
    sets += [f"{c} = CASE WHEN {t}.source = '{DEMO}' AND n.source <> '{DEMO}' THEN NULL ELSE {t}.{c} END" for c in kept]
    any_kept = " OR ".join(f"{t}.{c} IS NOT NULL" for c in kept) or "false"
    # Values kept from another source keep that source named beside the new one.
    sets.append(
        f"source = CASE WHEN {t}.source <> '{DEMO}' AND ({any_kept}) AND {t}.source <> n.source "
        f"THEN array_to_string(list_prepend(n.source, list_filter(string_split({t}.source, ' ; '), "
        "lambda s: NOT starts_with(s, split_part(n.source, ' ', 1)))), ' ; ') ELSE n.source END")
    # New rows take every value `_new` has (its defaults too); stored rows only what the file gives.
    new_columns = {d[0] for d in conn.execute("SELECT * FROM _new LIMIT 0").description}
    cols = key + [c for c in ds.values if c in new_columns]
    insert = (f"INSERT INTO {t} ({', '.join(cols)}, source) "
              f"SELECT {', '.join('n.' + c for c in cols)}, n.source FROM _new n")
    # New periods of a counter are the usual case: when no stored row can share a key with
    # the file (first key among the file's, second within its range), a plain insert does.
    if len(key) > 1:
        # One scan of the file's rows for both bounds (an IN subquery built a hash table of every
        # row: 3 s of CPU at 10 M measures); the measures' daily sums reuse them (ctx.span).
        ctx.span = conn.execute(f"SELECT list(DISTINCT {key[0]}), min({key[1]}), max({key[1]}) FROM _new").fetchall()[0]
        maybe = f"list_contains($firsts, {t}.{key[0]}) AND {t}.{key[1]} BETWEEN $low AND $high"
        params = dict(zip(("firsts", "low", "high"), ctx.span))
    else:
        maybe, params = f"{t}.{key[0]} IN (SELECT {key[0]} FROM _new)", {}
    if not conn.execute(f"SELECT count(*) FROM {t} WHERE {maybe}", params).fetchall()[0][0]:
        return int(conn.execute(insert).fetchall()[0][0]), 0
    changes = f"(({t}.source = '{DEMO}' AND n.source <> '{DEMO}') OR {differs})"
    stored_columns = {d[0] for d in conn.execute(f"SELECT * FROM {t} LIMIT 0").description}
    if not kept and stored_columns == set(cols) | {"source"}:
        # The file gives every stored value: a changed row is the file's row. Deleted and inserted
        # again instead of updated in place: DuckDB's UPDATE of half a million checkpointed measures
        # took 14 s (t14j finding 6: a measures file replacing demonstration rows, 20× a bare read),
        # the delete and insert 0.4 s.
        conn.execute(f"CREATE OR REPLACE TEMP TABLE _changed AS SELECT n.* FROM _new n JOIN {t} ON {on} WHERE {changes}")
        conn.execute(f"DELETE FROM {t} USING _changed c WHERE " + " AND ".join(f"{t}.{k} = c.{k}" for k in key))
        updated = conn.execute(f"INSERT INTO {t} ({', '.join(cols)}, source) "
                               f"SELECT {', '.join('c.' + c for c in cols)}, c.source FROM _changed c").fetchall()[0][0]
        conn.execute("DROP TABLE _changed")
    else:
        updated = conn.execute(f"UPDATE {t} SET {', '.join(sets)} FROM _new n WHERE {on} AND {changes}").fetchall()[0][0]
    inserted = conn.execute(f"{insert} WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {on})").fetchall()[0][0]
    return int(inserted), int(updated)


def _summary(conn: duckdb.DuckDBPyConnection, result: ImportResult) -> str:
    if result.status == UNCHANGED:
        # Only the rows kept (of the Pôle, of the right kind) can be "already in the database".
        kept = result.rows_kept
        which = "du fichier" if kept == result.rows_read else f"retenue{'s' if kept > 1 else ''} du fichier"
        text = (f"Aucun changement : {'les ' if kept > 1 else ''}{kept} ligne{'s' if kept > 1 else ''} {which} "
                f"{'sont' if kept > 1 else 'est'} déjà dans la base" if kept else "Aucun changement")
        before = conn.execute(
            "SELECT max(imported_at) FROM imports WHERE dataset = $d AND sha256 = $s AND status = $st",
            {"d": result.dataset, "s": result.sha256, "st": LOADED}).fetchall()[0][0]
        if before is not None:
            text += f" (fichier identique à celui importé le {before:%d/%m/%Y à %H:%M})"
        text += "."
    else:
        text = (f"{result.rows_loaded} ligne{'s' if result.rows_loaded > 1 else ''} chargée"
                f"{'s' if result.rows_loaded > 1 else ''} ({result.inserted} nouvelle"
                f"{'s' if result.inserted > 1 else ''}, {result.updated} mise"
                f"{'s' if result.updated > 1 else ''} à jour) sur {result.rows_read} lue"
                f"{'s' if result.rows_read > 1 else ''}.")
    if result.format:
        text += f" Format : {result.format}."
    if result.notes:
        text += " " + " ; ".join(result.notes) + "."
    return text


def journal_path(db: str | os.PathLike) -> Path:
    """The history lines of imports refused for want of disk space (JSON, one a line), beside
    the database: no working copy could be written to hold them."""
    return Path(db).with_name(Path(db).name + ".historique-en-attente.jsonl")


def _journal(db: Path, result: ImportResult, now: datetime) -> None:
    """Append a refusal to the journal (OSError when the disk cannot take even that line)."""
    line = json.dumps({"id": uuid.uuid4().hex, "at": now.isoformat(), "dataset": result.dataset,
                       "file": result.file_name, "sha": result.sha256, "read": result.rows_read,
                       "loaded": 0, "rejected": result.rows_rejected, "status": REFUSED, "message": result.message},
                      ensure_ascii=False)
    with open(journal_path(db), "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _merge_journal(conn: duckdb.DuckDBPyConnection, db: Path) -> Path | None:
    """Insert the journal's lines into `imports` (each once: by its id); the journal's path, to
    remove once this version is swapped in, or None. A truncated last line is skipped."""
    path = journal_path(db)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
            entry["at"] = datetime.fromisoformat(entry["at"])
        except (ValueError, KeyError, TypeError):
            continue
        conn.execute(
            "INSERT INTO imports (id, imported_at, dataset, file_name, sha256, rows_read, rows_loaded, "
            "rows_rejected, status, message) SELECT $id, $at, $dataset, $file, $sha, $read, $loaded, "
            "$rejected, $status, $message WHERE NOT EXISTS (SELECT 1 FROM imports WHERE id = $id)", entry)
    return path


def _log(conn: duckdb.DuckDBPyConnection, result: ImportResult, now: datetime) -> None:
    conn.execute(
        "INSERT INTO imports (id, imported_at, dataset, file_name, sha256, rows_read, rows_loaded, "
        "rows_rejected, status, message) VALUES ($id, $at, $dataset, $file, $sha, $read, $loaded, "
        "$rejected, $status, $message)",
        {"id": uuid.uuid4().hex, "at": now, "dataset": result.dataset, "file": result.file_name,
         "sha": result.sha256, "read": result.rows_read, "loaded": result.rows_loaded,
         "rejected": result.rows_rejected, "status": result.status, "message": result.message})


def _log_refusal(conn: duckdb.DuckDBPyConnection, db: Path, result: ImportResult, now: datetime) -> bool:
    """_log for a refusal, which must not end in a traceback for want of memory: a check that ran
    out of memory (under ECOTRANSITION_IMPORT_MEMORY) leaves its temporary tables holding it. They
    are dropped first, the line tried twice; failing that, it goes to the journal merged by the
    next import (journal_path). True when the line is in this version's history."""
    # Nothing reads them after a refusal: their memory goes to the history line and to the
    # version stamps written as the copy is closed (data.db._stamp_versions).
    _drop_temporaries(conn)
    for _ in range(2):   # a second try: memory freed by the first one's failure
        try:
            _log(conn, result, now)
            return True
        except duckdb.OutOfMemoryException:
            continue
    try:
        _journal(db, result, now)
    except OSError:
        pass   # the refusal itself still reaches the user
    return False


def _drop_temporaries(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop the import's temporary views and tables (the file's staged rows, the checks' tables)."""
    for kind, listing in (("VIEW", "duckdb_views() WHERE temporary AND NOT internal"),
                          ("TABLE", "duckdb_tables() WHERE temporary")):
        for (name,) in conn.execute(f"SELECT {kind.lower()}_name FROM {listing}").fetchall():
            try:
                conn.execute(f"DROP {kind} IF EXISTS temp.main.\"{name}\"")
            except duckdb.Error:   # one depending on another already dropped, or memory again
                continue


# Staff spreadsheets first, then open-data files, in the order staff meet them (the registry's).
CHOICE_ORDER = registry.IMPORTABLE


def dataset_choices() -> dict[str, str]:
    """Dataset name -> French label, in the order shown to staff."""
    return {name: DATASETS[name].label for name in CHOICE_ORDER}


def header_names(dataset: str) -> list[str]:
    return [normalize_header(c.headers[0]) for c in DATASETS[dataset].template.columns]
