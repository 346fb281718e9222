"""Cost of the text macros (validate._line, _txt) and of the natural key (_nk) per million cells, after
the NFC and blanks rules of issue #14 (t14i finding 3), against the rule before (BASELINE: one regular
expression, no NFC, ordinary spaces kept). Four kinds of cells: ASCII ids (the usual measures file),
French titles with accents, the same with non-breaking spaces, and decomposed (NFD) accents.

    python bench/bench_text_macros.py [--cells 1000000] [--repeat 3]

Runs in memory (no database file): a DuckDB connection with the import's macros (install_macros)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecotransition.imports.validate import _BLANK_RANGES, install_macros  # noqa: E402

BLANKS = "".join(f"\\x{{{a:04X}}}-\\x{{{b:04X}}}" if a != b else f"\\x{{{a:04X}}}" for a, b in _BLANK_RANGES)
# _line before the change (commit 46e7b11), kept to compare in the same process.
BASELINE = r"""CREATE OR REPLACE TEMP MACRO _line_before(v) AS nullif(trim(CASE WHEN regexp_matches(v, '[\p{Cf}\x00-\x1F\x7F-\x9F\x{2028}\x{2029}@@BLANKS@@]')
    THEN regexp_replace(regexp_replace(v, '[\p{Cf}\x00-\x08\x0E-\x1B\x7F-\x84\x86-\x9F@@BLANKS@@]', '', 'g'),
         ' *[\t\n\r\x0B\x0C\x1C-\x1F\x{0085}\x{2028}\x{2029}][ \t\n\r\x0B\x0C\x1C-\x1F\x{0085}\x{2028}\x{2029}]*', ' ', 'g') ELSE v END), '');
CREATE OR REPLACE TEMP MACRO _nk_before(v) AS lower(strip_accents(trim(v)));
""".replace("@@BLANKS@@", BLANKS)

CELLS = {
    "ASCII ids": "'PMA-CPT-' || lpad((i % 500)::VARCHAR, 3, '0') || '-velo'",
    "French titles": "'Fête du parc de l''étang n° ' || (i % 5000)::VARCHAR",
    "titles with U+00A0": "'Atelier «\u00a0Mon avenir en Artois\u00a0» n° ' || (i % 5000)::VARCHAR",
    "NFD accents": "'Fe\u0302te de l''e\u0301tang n° ' || (i % 5000)::VARCHAR",
}


def timed(conn: duckdb.DuckDBPyConnection, expr: str, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        conn.execute(f"SELECT count(DISTINCT {expr}) FROM _cells").fetchall()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    conn = duckdb.connect()
    install_macros(conn)
    conn.execute(BASELINE)
    print(f"{args.cells} cells, median of {args.repeat} runs, seconds (count(DISTINCT macro(v)))")
    print(f"{'cells':<22}{'copy':>8}{'_line before':>14}{'_line':>8}{'_txt':>8}{'_nk before':>12}{'_nk':>8}")
    for name, expr in CELLS.items():
        conn.execute(f"CREATE OR REPLACE TEMP TABLE _cells AS SELECT {expr} AS v FROM range({args.cells}) t(i)")
        figures = [timed(conn, e, args.repeat) for e in ("v", "_line_before(v)", "_line(v)", "_txt(v)",
                                                         "_nk_before(v)", "_nk(v)")]
        print(f"{name:<22}" + "".join(f"{x:>{w}.3f}" for x, w in zip(figures, (8, 14, 8, 8, 12, 8))))


if __name__ == "__main__":
    main()
