"""python -m ecotransition.imports DATASET FILE [--db PATH] [--sheet NAME] [--millesime ANNEE]

Exit status: 0 loaded (or already there), 1 refused (the reasons on stderr, nothing changed).
Safe to run while the dashboard is running (e.g. from a nightly job).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys

import duckdb

from ecotransition.data.db import DatabaseBusy
from ecotransition.imports import DATASETS, REFUSED, import_file, storage_problem

MEMORY_ENV = "ECOTRANSITION_IMPORT_MEMORY"   # bytes of address space, for the data page's worker


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
        os.nice(10)
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))

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
        print(f"Import impossible : {exc}", file=sys.stderr)
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
