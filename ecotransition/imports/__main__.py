"""python -m ecotransition.imports DATASET FILE [--db PATH] [--sheet NAME] [--millesime ANNEE]

Exit status: 0 loaded (or already there), 1 refused (the reasons on stderr, nothing changed).
Safe to run while the dashboard is running (e.g. from a nightly job).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import sys

import duckdb

from ecotransition.data.db import DatabaseBusy
from ecotransition.imports import DATASETS, REFUSED, import_file, storage_problem

MEMORY_ENV = "ECOTRANSITION_IMPORT_MEMORY"   # address space, for the data page's worker
# Below this an import does not run, or DuckDB aborts the process: its threads reserve address
# space (thread-local data) as they start, beside the writer's own memory_limit (validate.
# WRITER_MEMORY, 768 MB) and the interpreter's. Measured on the 2-core machine (bench/README « Mémoire
# d'un import »): 256 MiB ended in « can't start new thread », 512 MiB in « cannot allocate memory for
# thread-local data: ABORT » on any file; 1 GiB ran a one-line file but aborted 3 times in 11 on a
# 1 M-row file overlapping stored measures; 1,5 GiB and 2 GiB always ended in an answer (a French
# refusal for want of memory at worst).
MEMORY_MIN = 1536 * 2**20
_UNITS = {"": 1, "k": 2**10, "ki": 2**10, "kb": 10**3, "ko": 10**3, "kib": 2**10, "kio": 2**10,
          "m": 2**20, "mi": 2**20, "mb": 10**6, "mo": 10**6, "mib": 2**20, "mio": 2**20,
          "g": 2**30, "gi": 2**30, "gb": 10**9, "go": 10**9, "gib": 2**30, "gio": 2**30,
          "t": 2**40, "ti": 2**40, "tb": 10**12, "to": 10**12, "tib": 2**40, "tio": 2**40, "b": 1, "o": 1}
_SIZE = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*")


def _bytes(n: int) -> str:
    """A byte count with its thousands apart (« 1 610 612 736 »; core.fmt would load babel here)."""
    return f"{n:,}".replace(",", " ")


def memory_limit(text: str) -> int:
    """Bytes of a memory size as people write it: « 3221225472 », « 3GiB », « 3 GiB », « 3G », « 3 Go »,
    « 1,5 Gio », « 1536MB » (K, M, G, T alone or with i are powers of 1024; with B or o alone, of
    1000). ValueError with a French sentence naming the setting otherwise, or below MEMORY_MIN."""
    found = _SIZE.fullmatch(text or "")
    unit = found and found.group(2).lower()
    if not found or unit not in _UNITS:
        raise ValueError(f"{MEMORY_ENV}={text!r} n'est pas une taille de mémoire : écrivez par exemple "
                         "3GiB, 3 Go, 1536M ou un nombre d'octets (3221225472).")
    size = int(float(found.group(1).replace(",", ".")) * _UNITS[unit])
    if size < MEMORY_MIN:
        # Both sizes in bytes, and the floor in both units: « 1,5 Go » is less than « 1,5 Gio » (t14h).
        raise ValueError(f"{MEMORY_ENV}={text!r} : {_bytes(size)} octets, c'est trop peu pour un import (au moins "
                         f"{_bytes(MEMORY_MIN)} octets, soit 1,5 Gio ou "
                         f"{f'{MEMORY_MIN / 1e9:.2f}'.replace('.', ',')} Go : en dessous, DuckDB ne peut pas "
                         "démarrer ses fils d'exécution).")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecotransition.imports",
        description="Importe un fichier de données dans la base du tableau de bord.",
        epilog="Jeux de données : " + " ; ".join(f"{k} ({d.label})" for k, d in DATASETS.items()),
    )
    parser.add_argument("dataset", metavar="DATASET", choices=list(DATASETS), help="jeu de données")
    parser.add_argument("file", metavar="FILE", help="fichier CSV ou XLSX")
    parser.add_argument("--db", help="base de données (défaut : $ECOTRANSITION_DB ou data/ecotransition.duckdb)")
    parser.add_argument("--sheet", help="feuille du classeur XLSX (défaut : la première)")
    parser.add_argument("--millesime", type=int, metavar="ANNEE",
                        help="registre ODRÉ : année du millésime (défaut : lue dans le nom du fichier, "
                             "sinon dernière mise en service du fichier)")
    parser.add_argument("--quiet", action="store_true", help="n'affiche pas la progression")
    parser.add_argument("--nom", metavar="NOM", help="nom du fichier tel que reçu (historique, millésime ODRÉ)")
    parser.add_argument("--json", action="store_true", help="résultat en une ligne JSON (pour la page Données)")
    args = parser.parse_args(argv)
    limit = os.environ.get(MEMORY_ENV)
    if limit:   # set by the data page's worker: below the server's priority, bounded memory
        try:
            size = memory_limit(limit)
        except ValueError as exc:
            print(f"Import impossible : {exc}", file=sys.stderr)
            return 1
        os.nice(10)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    def progress(fraction: float, message: str) -> None:
        if not args.quiet:
            print(f"[{fraction:4.0%}] {message}", flush=True)

    try:
        result = import_file(args.dataset, args.file, args.db, sheet=args.sheet, progress=progress,
                             snapshot_year=args.millesime, file_name=args.nom)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        # import_file words these in French; one raised by the system itself is worded here.
        said = str(exc) if not exc.errno else (
            f"le fichier {exc.filename} ne peut pas être lu (droits insuffisants)." if isinstance(exc, PermissionError)
            else f"le fichier {exc.filename} est introuvable ou n'est pas un fichier.")
        print(f"Import impossible : {said}", file=sys.stderr)
        return 1
    except DatabaseBusy as exc:   # another program holds the database for writing
        note = getattr(exc, "history_note", "")
        print(f"Import impossible : {exc}" + (f" {note}" if note else ""), file=sys.stderr)
        return 1
    except (OSError, duckdb.IOException) as exc:
        problem = storage_problem(exc)
        if problem is None:
            raise
        note = getattr(exc, "history_note", "")
        print(f"Import impossible : {problem}" + (f" {note}" if note else ""), file=sys.stderr)
        return 1
    except MemoryError:
        print("Import impossible : mémoire insuffisante pour lire ce fichier : découpez-le.", file=sys.stderr)
        return 1
    if args.json:
        fields = {k: v for k, v in dataclasses.asdict(result).items() if k not in ("issues", "backup")}
        print(json.dumps(fields, ensure_ascii=False), flush=True)
    if result.status == REFUSED:
        print(f"{result.file_name} ({args.dataset}) : {result.message}", file=sys.stderr)
        return 1
    print(f"{result.status.capitalize()} : {result.message} ({result.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
