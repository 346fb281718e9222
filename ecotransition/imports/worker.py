"""Imports from the data page run in a worker process, not in the server's.

Reading and checking a large file costs seconds of CPU and hundreds of MiB; in the server's
process that time is taken from every viewer. `import_in_worker` runs the import command
(`python -m ecotransition.imports … --json`, the same path as staff's command line) in a child
process with a lower CPU priority, a cap on its address space and a time limit, relays its
progress and returns its result. The child works on a copy of the database like any writer,
so killing it changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from ecotransition.core.paths import ROOT
from ecotransition.data.db import DatabaseBusy
from ecotransition.imports import REFUSED, ImportResult, Progress
from ecotransition.imports.__main__ import MEMORY_ENV

MEMORY_LIMIT = 3 * 2**30     # address space of the worker (DuckDB and pandas reserve more than they use)
TIME_LIMIT = 15 * 60         # seconds; a 10 M-row measures file takes about two minutes here
_PROGRESS = re.compile(r"^\[\s*(\d+)%\] (.*)$")


def import_in_worker(dataset: str, data: bytes, db: Path, file_name: str, sheet: str | None = None,
                     snapshot_year: int | None = None, progress: Progress | None = None,
                     memory_limit: int = MEMORY_LIMIT, time_limit: float = TIME_LIMIT) -> ImportResult:
    """The import of an upload, run by a worker process; DatabaseBusy when another program holds
    the database. A worker that dies or runs out of time gives a refusal that says so."""
    db = Path(db)
    # The upload goes to disk for the worker. Not named like the writers' own spills: a writer
    # removes those when it starts, and this one is read until the worker ends. Left by a killed
    # server, it is removed by a later upload once it is older than any import can last.
    for stale in db.parent.glob(f".{db.name}.import.worker.*.tmp"):
        if time.time() - stale.stat().st_mtime > 2 * TIME_LIMIT:
            stale.unlink(missing_ok=True)
    spill = db.with_name(f".{db.name}.import.worker.{os.getpid()}.{time.monotonic_ns()}.tmp")
    spill.write_bytes(data)
    command = [sys.executable, "-m", "ecotransition.imports", dataset, str(spill), "--db", str(db),
               "--nom", file_name, "--json"]
    if sheet:
        command += ["--sheet", sheet]
    if snapshot_year:
        command += ["--millesime", str(int(snapshot_year))]
    env = dict(os.environ, **{MEMORY_ENV: str(memory_limit)})
    try:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, encoding="utf-8")
        errors: list[str] = []
        drain = threading.Thread(target=lambda: errors.extend(child.stderr), daemon=True)
        drain.start()
        timer = threading.Timer(time_limit, child.kill)
        timer.start()
        outcome = None
        try:
            for line in child.stdout:
                match = _PROGRESS.match(line.strip())
                if match and progress is not None:
                    progress(int(match.group(1)) / 100, match.group(2))
                elif line.startswith("{"):
                    outcome = json.loads(line)
            child.wait()
        finally:
            timer.cancel()
        drain.join(5)
    finally:
        spill.unlink(missing_ok=True)
    if outcome is not None:
        return ImportResult(**outcome)
    said = "".join(errors).strip()
    if "ouverte en écriture par un autre programme" in said:
        raise DatabaseBusy(said.removeprefix("Import impossible : "))
    last = said.splitlines()[-1] if said else ""
    if not last.startswith("Import impossible"):   # killed, or out of memory before it could say so
        last = ("Import impossible : l'import s'est arrêté avant la fin (durée ou mémoire dépassée) ; rien n'a "
                "changé. Découpez le fichier ou réessayez.")
    return ImportResult(REFUSED, dataset, file_name, "", message=last)
