"""Every commune's fiche as a PDF, for the *Lettre aux maires*.

    python -m ecotransition.fiches --out DIR [--epci CALL] [--annee 2024] [--db PATH]

One PDF per commune, named by INSEE code and name (62498_Lens.pdf), the same content as the
« Télécharger la fiche (PDF) » button of /commune. Exit 0 when every fiche was written, 1 when
the database cannot be read or the agglomeration is unknown (a French message says why).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ecotransition.core import clock, paths
from ecotransition.data import freshness, sql
from ecotransition.data.db import DatabaseError, open_readonly
from ecotransition.surfaces import fiche, fiche_pdf, maps


def _load(db: Path) -> tuple[maps.MapData, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The map's inputs, the indicators of every zone, the series of those with a target and
    the datasets' last days (dataset_dates, for the freshness each fiche prints)."""
    conn = open_readonly(db)
    try:
        return (maps.load_data(lambda name, **params: sql.run(conn, name, **params)),
                sql.run(conn, "indicators_zones"), sql.run(conn, "indicator_series"), sql.run(conn, "dataset_dates"))
    finally:
        conn.close()


_WORKER: dict = {}


def _start_worker(db: Path, out: Path, year: int | None, edition) -> None:
    data, indicators, series, dates = _load(db)
    _WORKER.update(data=data, shared=fiche.Shared(data), out=out, year=year, edition=edition,
                   indicators=indicators, series=series, known=freshness.of_dates(dates, edition))


def _write(code: str) -> Path:
    """One fiche, in a worker process (PDF and charts are CPU-bound: one process per core)."""
    w = _WORKER
    f = fiche.build(w["data"], code, w["year"], w["shared"], w["indicators"], w["series"])
    target = w["out"] / fiche_pdf.file_name(f)
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(fiche_pdf.render(f, w["edition"], freshness.notes(w["known"], f.datasets)))
    tmp.replace(target)   # a reader never sees half a file
    return target


def write_all(db: Path, out: Path, epci: str | None = None, year: int | None = None,
              progress: bool = True, workers: int | None = None) -> list[Path]:
    """Write the fiches of every commune (of `epci`, a short name such as CALL) into `out`.

    Returns the files written, in INSEE code order. Raises ValueError for an unknown agglomeration,
    DatabaseError when the database cannot be opened."""
    data = _load(db)[0]
    communes = data.communes.sort_values("code")
    if year is not None:
        known = sorted({int(y) for frame in data.values for y in frame["year"].dropna()})
        if year not in known:
            raise ValueError(f"Année {year} absente des données (années disponibles : {known[0]}–{known[-1]}).")
    if epci is not None:
        known = sorted(communes["epci"].unique())
        if epci not in known:
            raise ValueError(f"Agglomération inconnue : « {epci} » (attendu : {', '.join(known)}).")
        communes = communes.loc[communes["epci"] == epci]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"Dossier de sortie impossible à créer : {out} ({exc.strerror}).") from exc
    codes = list(communes["code"])
    workers = workers or min(os.cpu_count() or 1, len(codes) or 1)
    with ProcessPoolExecutor(workers, initializer=_start_worker,
                             initargs=(db, out, year, clock.today())) as pool:
        return list(tqdm(pool.map(_write, codes, chunksize=4), total=len(codes), desc="Fiches",
                         unit="commune", disable=not progress))


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"année invalide : « {text} » (attendu : 2024, par exemple)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecotransition.fiches",
                                     description="Fiches communes en PDF (une par commune).")
    parser.add_argument("--out", required=True, help="dossier où écrire les PDF")
    parser.add_argument("--epci", help="seulement les communes de cette agglomération (CABBALR, CALL, CAHC)")
    parser.add_argument("--annee", type=_year, help="année des chiffres (défaut : la dernière de chaque chiffre)")
    parser.add_argument("--db", help="base de données (défaut : $ECOTRANSITION_DB ou data/ecotransition.duckdb)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        files = write_all(paths.db_path(args.db), Path(args.out), args.epci, args.annee)
    except (ValueError, DatabaseError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except OSError as exc:   # a full disk or a folder that becomes unwritable while writing
        print(f"Erreur : écriture impossible dans {args.out} ({exc.strerror or exc}).", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    print(f"{len(files)} fiches écrites dans {args.out} en {seconds:.1f} s "
          f"({seconds / max(len(files), 1):.2f} s par fiche).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
