"""Import speed: a 1,000,000-row counter measures file (schéma comptage des mobilités format).

Generates the CSV (24 hourly channels, ISO 8601 times with +01:00/+02:00 offsets, 0.1 % empty
counts) in a temporary folder, builds a demo-scale-1 database there, imports the channels,
then times:

- bare: DuckDB alone, `CREATE TABLE AS SELECT * FROM read_csv(file)` into a new database
  file, closed (so written to disk), as the reference;
- import: `ecotransition.imports.import_file('counter_measures', file, db)`, i.e. hashing,
  copy of the database, reading and checking every value, the upsert in one transaction,
  the imports log, the backup, the checkpoint and the atomic swap;
- re-import of the same file (nothing changes), and of a corrected file (every count + 1).

Best of --repeat runs each; prints wall-clock times, the process CPU times (DuckDB's threads
included: steadier than wall time on a shared machine) and the ratios import / bare
(target ≤ 3).

    python bench/bench_import.py [--rows 1000000] [--repeat 3]
    python bench/bench_import.py --scaling 1000000 10000000 [--repeat 2]   # CLI vs bare, peak memory (the issue's protocol)
    python bench/bench_import.py --phases 1000000 10000000   # wall, CPU and peak memory of each step
    python bench/bench_import.py --bad-row 1000000 10000000  # one bad last line: the refusal's cost
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from ecotransition.data.build import build  # noqa: E402
from ecotransition.imports import import_file  # noqa: E402

CHANNELS = 24


def write_measures(path: Path, rows: int, bump: int = 0, utc: bool = False) -> None:
    """`rows` hourly measures; with `utc`, instants written as the schema's examples do (…Z)."""
    hours = -(-rows // CHANNELS)
    if utc:
        con = duckdb.connect()
        con.execute(f"""
            COPY (
                SELECT 'bench-ch-' || lpad(c::VARCHAR, 2, '0') AS channel_id,
                       'bench-cpt-' || lpad(c::VARCHAR, 2, '0') AS counter_id,
                       strftime(TIMESTAMP '2019-01-01 00:00:00' + to_hours(h), '%Y-%m-%dT%H:%M:%SZ') AS start_datetime,
                       strftime(TIMESTAMP '2019-01-01 01:00:00' + to_hours(h), '%Y-%m-%dT%H:%M:%SZ') AS end_datetime,
                       CASE WHEN hash(c, h) % 1000 = 0 THEN NULL
                            ELSE (hash(c, h) % 97 + {bump})::INTEGER END AS count
                FROM range({CHANNELS}) r(c), range({hours}) q(h) ORDER BY c, h LIMIT {rows}
            ) TO '{path}' (HEADER, DELIMITER ',')
        """)
        con.close()
        return
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    con.execute(f"""
        COPY (
            WITH t AS (
                SELECT c, h, TIMESTAMPTZ '2019-01-01 00:00:00+01' + to_hours(h) AS s
                FROM range({CHANNELS}) r(c), range({hours}) q(h)
            )
            SELECT 'bench-ch-' || lpad(c::VARCHAR, 2, '0') AS channel_id,
                   'bench-cpt-' || lpad(c::VARCHAR, 2, '0') AS counter_id,
                   strftime(timezone('Europe/Paris', s), '%Y-%m-%dT%H:%M:%S')
                     || CASE WHEN timezone('Europe/Paris', s) - timezone('UTC', s) = INTERVAL 2 HOUR
                             THEN '+02:00' ELSE '+01:00' END AS start_datetime,
                   strftime(timezone('Europe/Paris', s + INTERVAL 1 HOUR), '%Y-%m-%dT%H:%M:%S')
                     || CASE WHEN timezone('Europe/Paris', s + INTERVAL 1 HOUR)
                                  - timezone('UTC', s + INTERVAL 1 HOUR) = INTERVAL 2 HOUR
                             THEN '+02:00' ELSE '+01:00' END AS end_datetime,
                   CASE WHEN hash(c, h) % 1000 = 0 THEN NULL
                        ELSE (hash(c, h) % 97 + {bump})::INTEGER END AS count
            FROM t ORDER BY c, h LIMIT {rows}
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    con.close()


def write_channels(path: Path, site: str) -> None:
    lines = ["channel_id,site_id,mobility_type,direction,time_step"]
    lines += [f"bench-ch-{c:02d},{site},{'BIKE' if c % 2 else 'PEDESTRIAN'},,3600" for c in range(CHANNELS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(fn) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def bare(csv: Path, tmp: Path) -> None:
    target = tmp / "bare.duckdb"
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE m AS SELECT * FROM read_csv($p)", {"p": str(csv)})
    con.close()


CHILD = """
import resource, runpy, sys, time
sys.argv = ["ecotransition.imports", *sys.argv[1:]]   # as `python -m ecotransition.imports ARGS`
t, c = time.perf_counter(), time.process_time()
code = 0
try:
    if sys.argv[1] == "bare":
        import duckdb
        con = duckdb.connect(sys.argv[3])
        con.execute("CREATE TABLE m AS SELECT * FROM read_csv($p)", {"p": sys.argv[2]})
        con.close()
    else:
        runpy.run_module("ecotransition.imports", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
wall, cpu = time.perf_counter() - t, time.process_time() - c
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork and exec, so a child
# started by this (large) benchmark process would report the benchmark's own peak.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("RESULT", wall, cpu, max(hwm, children), file=sys.stderr)
sys.exit(code)
"""


def in_child(*args: str) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MiB, exit code) of one run in a fresh process.

    Peak: the process's own high-water mark (VmHWM), or its largest child's if larger (the CLI
    starts none today)."""
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True, text=True)
    line = next((l for l in done.stderr.splitlines() if l.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(done.stderr[-2000:])
    _, wall, cpu, rss = line.split()
    return float(wall), float(cpu), int(rss) / 1024, done.returncode


TARGET_RATIO = 3.0
TARGET_MIB = {1_000_000: 400, 10_000_000: 1024}


def _utc_measures(tmp: Path, rows: int) -> tuple[Path, Path]:
    """(measures file with UTC instants, scale-1 database that knows its channels) in `tmp`."""
    csv = tmp / "measures.csv"
    write_measures(csv, rows, utc=True)
    base = tmp / "base.duckdb"
    build(base, 1, progress=lambda f, m: None)
    con = duckdb.connect(str(base), read_only=True)
    site = con.execute("SELECT min(site_id) FROM counter_sites").fetchall()[0][0]
    con.close()
    write_channels(tmp / "channels.csv", site)
    assert import_file("counter_channels", tmp / "channels.csv", base).status == "chargé"
    return csv, base


def scaling(sizes: list[int], repeat: int) -> None:
    """The issue's protocol: the CLI on measures with UTC instants, against a bare read_csv of the
    same file in the same run, each in its own process (peak memory = its high-water RSS).

    The file is written just before, so both read it from the page cache (24 GiB here); bare and
    CLI alternate, `repeat` times each, and the best of each is compared."""
    print(f"{'rows':>12s} {'file':>7s} {'bare s':>7s} {'bare CPU':>8s} {'bare MiB':>8s} {'CLI s':>7s} "
          f"{'CLI CPU':>7s} {'CLI MiB':>7s} {'ratio':>6s} {'CPU ratio':>9s}  {'targets':s}")
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as d:
            tmp = Path(d)
            csv, base = _utc_measures(tmp, rows)
            bares, clis = [], []
            for _ in range(repeat):
                (tmp / "bare.duckdb").unlink(missing_ok=True)
                bares.append(in_child("bare", str(csv), str(tmp / "bare.duckdb")))
                run = tmp / "run.duckdb"
                shutil.copyfile(base, run)
                shutil.rmtree(tmp / "backups", ignore_errors=True)
                clis.append(in_child("counter_measures", str(csv), "--db", str(run), "--quiet"))
                assert clis[-1][3] == 0
            bare_s, bare_cpu, bare_mib = min(b[0] for b in bares), min(b[1] for b in bares), max(b[2] for b in bares)
            cli_s, cli_cpu, cli_mib = min(c[0] for c in clis), min(c[1] for c in clis), max(c[2] for c in clis)
            mib = TARGET_MIB.get(rows)
            ratio = cli_s / bare_s
            verdict = (f"ratio ≤ {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
                       + (f"; peak ≤ {mib} MiB: {'met' if cli_mib <= mib else 'NOT met'}" if mib else ""))
            # CPU seconds (DuckDB's threads included) move less than wall time on a shared machine.
            print(f"{rows:>12,} {csv.stat().st_size / 2**20:>5.0f}Mi {bare_s:>7.2f} {bare_cpu:>8.2f} {bare_mib:>8.0f} "
                  f"{cli_s:>7.2f} {cli_cpu:>7.2f} {cli_mib:>7.0f} {ratio:>6.2f} {cli_cpu / bare_cpu:>9.2f}  {verdict}"
                  .replace(",", " "))
            if repeat > 1:
                print(f"{'':>12s} runs: bare {', '.join(f'{b[0]:.2f}' for b in bares)} s; "
                      f"CLI {', '.join(f'{c[0]:.2f}' for c in clis)} s")


BAD_ROWS = {
    "clean": None,
    "duplicate of line 20": lambda lines: lines[19],
    "count « 12,5 »": lambda lines: lines[19].rsplit(",", 1)[0] + ',"12,5"\n',
}


def bad_row(sizes: list[int], repeat: int) -> None:
    """A clean UTC measures file, then the same with one bad last line (a duplicate of line 20, a
    count « 12,5 »), through the CLI: the refusal's wall and CPU time and peak memory against the
    clean import's and a bare read_csv's, with the refusal's first line of detail (it must name the
    lines, the column and the reason). Every run under the data page worker's cap on address space."""
    from ecotransition.imports.__main__ import MEMORY_ENV
    from ecotransition.imports.worker import MEMORY_LIMIT

    print(f"{'rows':>12s} {'file':<22s} {'s':>7s} {'CPU':>7s} {'MiB':>6s} {'exit':>4s} {'/ bare s':>8s}  detail")
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as d:
            tmp = Path(d)
            csv, base = _utc_measures(tmp, rows)
            with open(csv) as fh:
                first = [next(fh) for _ in range(20)]
            bare_s = min(in_child("bare", str(csv), str(tmp / f"bare{k}.duckdb"))[0] for k in range(repeat))
            for name, extra in BAD_ROWS.items():
                if extra is not None:
                    with open(csv, "a") as fh:
                        fh.write(extra(first))
                runs = []
                for _ in range(repeat):
                    run = tmp / "run.duckdb"
                    shutil.copyfile(base, run)
                    shutil.rmtree(tmp / "backups", ignore_errors=True)
                    # Under the data page worker's address-space cap (3 GiB): the page's protocol.
                    done = subprocess.run([sys.executable, "-c", CHILD, "counter_measures", str(csv), "--db",
                                           str(run), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                                          env=dict(os.environ, **{MEMORY_ENV: str(MEMORY_LIMIT)}))
                    line = next(l for l in done.stderr.splitlines() if l.startswith("RESULT"))
                    detail = next((l for l in done.stderr.splitlines() if l.startswith("- ")), "")
                    _, wall, cpu, rss = line.split()
                    runs.append((float(wall), float(cpu), int(rss) / 1024, done.returncode, detail))
                if extra is not None:   # back to the clean file for the next bad line
                    with open(csv, "r+") as fh:
                        fh.truncate(csv.stat().st_size - len(extra(first).encode()))
                wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
                mib, code, detail = max(r[2] for r in runs), runs[-1][3], runs[-1][4]
                print(f"{rows:>12_} ".replace("_", " ") + f"{name:<22s} {wall:>7.2f} {cpu:>7.2f} {mib:>6.0f} "
                      f"{code:>4d} {wall / bare_s:>8.2f}  {detail[:110]}")


# What happens between two progress messages of import_file: (message, seen before) -> work.
STEPS = {
    ("Lecture du fichier", False): "caps, line count, copy, macros",
    ("Lecture du fichier", True): "staging: read and parse",
    ("Vérification des valeurs", False): "checks",
    ("Chargement dans la base", False): "insert",
    ("Mise à jour des sommes journalières des compteurs", False): "daily sums, log, commit",
    ("Publication de la nouvelle version", False): "checkpoint, swap",
}


def phases(sizes: list[int]) -> None:
    """Where an import's time and memory go: `import_file` in a fresh process on the same files,
    wall and CPU seconds (DuckDB's threads included) and peak RSS between its progress steps."""
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as d:
            tmp = Path(d)
            csv, base = _utc_measures(tmp, rows)
            print(f"{rows:,} measures ({csv.stat().st_size / 2**20:.0f} MiB), import_file in a fresh process:"
                  .replace(",", " "), flush=True)
            subprocess.run([sys.executable, __file__, "--phases-of", str(csv), str(base)], check=True)


def phases_of(csv: str, db: str) -> None:
    import threading

    state = {"step": "début", "peak": 0.0}

    def sample() -> None:   # VmRSS every 20 ms: the peak of each step
        while True:
            rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
            state["peak"] = max(state["peak"], rss / 1024)
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    last = [time.perf_counter(), time.process_time()]
    table = []

    def step(fraction: float, message: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        table.append((state["step"], now[0] - last[0], now[1] - last[1], state["peak"]))
        last[:] = now
        state["step"], state["peak"] = message, 0.0

    r = import_file("counter_measures", csv, db, progress=step)
    assert r.status == "chargé", r.message
    print(f"  {'step (progress message)':60s} {'wall':>6s} {'CPU':>6s} {'peak MiB':>8s}")
    seen: set[str] = set()
    for label, wall, cpu, peak in table[1:]:
        what = STEPS.get((label, label in seen), "")
        seen.add(label)
        print(f"  {label + (' (' + what + ')' if what else ''):60s} {wall:6.2f} {cpu:6.2f} {peak:8.0f}")
    print(f"  {'total':60s} {sum(t[1] for t in table):6.2f} {sum(t[2] for t in table):6.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scaling", type=int, nargs="*", metavar="ROWS",
                        help="only the CLI-vs-bare protocol with peak memory, e.g. --scaling 1000000 10000000")
    parser.add_argument("--phases", type=int, nargs="*", metavar="ROWS",
                        help="where the time and memory of an import go, step by step, e.g. --phases 1000000")
    parser.add_argument("--bad-row", type=int, nargs="*", metavar="ROWS",
                        help="the cost of refusing a file with one bad last line, e.g. --bad-row 1000000")
    parser.add_argument("--phases-of", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The generated hours run from 2019 for rows / 24 hours (10 M reach 2066), beyond the measures'
    # plausible range (README « Dates plausibles »): the imports run as of a day after them.
    os.environ.setdefault("ECOTRANSITION_TODAY", "2070-01-01")
    if args.phases_of:
        phases_of(*args.phases_of)
        return 0
    if args.phases:
        phases(args.phases)
        return 0
    if args.scaling:
        scaling(args.scaling, args.repeat)
        return 0
    if args.bad_row:
        bad_row(args.bad_row, args.repeat)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-import-") as d:
        tmp = Path(d)
        csv, fixed = tmp / "measures.csv", tmp / "measures-corrected.csv"
        t0 = time.perf_counter()
        write_measures(csv, args.rows)
        write_measures(fixed, args.rows, bump=1)
        print(f"generated {args.rows:,} rows ({csv.stat().st_size / 2**20:.1f} MiB) in "
              f"{time.perf_counter() - t0:.1f} s".replace(",", " "))
        base = tmp / "base.duckdb"
        build(base, 1, progress=lambda f, m: None)
        con = duckdb.connect(str(base), read_only=True)
        site = con.execute("SELECT min(site_id) FROM counter_sites").fetchall()[0][0]
        existing = con.execute("SELECT count(*) FROM counter_measures").fetchall()[0][0]
        con.close()
        channels = tmp / "channels.csv"
        write_channels(channels, site)
        r = import_file("counter_channels", channels, base)
        assert r.status == "chargé", r.message

        runs = {"bare": [], "import": [], "same": [], "fixed": []}
        for _ in range(args.repeat):
            runs["bare"].append(timed(lambda: bare(csv, tmp))[:2])
            db = tmp / "run.duckdb"
            shutil.copyfile(base, db)
            shutil.rmtree(tmp / "backups", ignore_errors=True)
            w, c, r = timed(lambda: import_file("counter_measures", csv, db))
            runs["import"].append((w, c))
            # The October hour repeated in local time merges two rows into one.
            assert r.status == "chargé" and r.rows_loaded > args.rows * 0.99, r.message
            w, c, r = timed(lambda: import_file("counter_measures", csv, db))
            runs["same"].append((w, c))
            assert r.status == "inchangé", r.message
            w, c, r = timed(lambda: import_file("counter_measures", fixed, db))
            runs["fixed"].append((w, c))
            assert r.status == "chargé" and r.updated > args.rows * 0.99, r.message

        best = {k: (min(x[0] for x in v), min(x[1] for x in v)) for k, v in runs.items()}
        print(f"database: demo scale 1 ({existing:,} measures already there)".replace(",", " ")
              + f"; {args.repeat} runs each, best shown")
        print(f"{'':36s} {'wall':>7s} {'CPU':>7s}")
        for key, label in [("bare", "bare DuckDB read_csv into a table"), ("import", "import (new rows)"),
                           ("same", "re-import, same file (unchanged)"),
                           ("fixed", "re-import, corrected file (update)")]:
            print(f"{label:36s} {best[key][0]:6.2f}s {best[key][1]:6.2f}s   "
                  f"(wall runs: {', '.join(f'{w:.2f}' for w, _ in runs[key])})")
        print(f"{'ratio import / bare':36s} {best['import'][0] / best['bare'][0]:6.2f}  "
              f"{best['import'][1] / best['bare'][1]:6.2f}    (target ≤ 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
