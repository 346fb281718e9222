"""An import killed at any moment leaves the old data or the new, never a mix."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from conftest import ROOT
from ecotransition.data.db import CONTRACT_TABLES, checksums
from ecotransition.imports import import_file

DATA_TABLES = [t for t in CONTRACT_TABLES if t != "imports"]
ROWS = 300_000


def state(db: Path) -> tuple[dict, int]:
    """(data checksums, number of loaded measures imports): they must move together."""
    with duckdb.connect(str(db), read_only=True) as c:
        loaded = c.execute("SELECT count(*) FROM imports WHERE dataset = 'counter_measures' "
                           "AND status = 'chargé'").fetchall()[0][0]
        return checksums(c, DATA_TABLES), loaded


def write_inputs(tmp: Path, site: str) -> tuple[Path, Path]:
    channels = tmp / "canaux.csv"
    channels.write_text("channel_id,site_id,mobility_type,direction,time_step\n"
                        + "".join(f"kill-{k},{site},BIKE,,3600\n" for k in range(10)), encoding="utf-8")
    measures = tmp / "mesures.csv"
    with duckdb.connect() as c:
        c.execute(f"""COPY (SELECT 'kill-' || (i % 10) AS channel_id, 'cpt' AS counter_id,
                              strftime(TIMESTAMP '2020-01-01' + to_hours(i // 10), '%Y-%m-%dT%H:%M:%S') || 'Z'
                                AS start_datetime, NULL AS end_datetime, (i % 50)::INTEGER AS count
                       FROM range({ROWS}) t(i)) TO '{measures}' (HEADER, DELIMITER ',')""")
    return channels, measures


def test_killed_imports_leave_old_or_new_data(writable_db, tmp_path):
    with duckdb.connect(str(writable_db), read_only=True) as c:
        site = c.execute("SELECT min(site_id) FROM counter_sites").fetchall()[0][0]
    channels, measures = write_inputs(tmp_path, site)
    assert import_file("counter_channels", channels, writable_db).status == "chargé"
    old = state(writable_db)
    reference = tmp_path / "reference.duckdb"
    shutil.copyfile(writable_db, reference)
    assert import_file("counter_measures", measures, reference).status == "chargé"
    new = state(reference)
    assert new[0] != old[0] and (old[1], new[1]) == (0, 1)

    seen = []
    # Kill at each announced step, and at a few moments into the load itself.
    for marker, delay in [("Lecture du fichier", 0), ("Vérification des valeurs", 0),
                          ("Chargement dans la base", 0), ("Chargement dans la base", 0.05),
                          ("Chargement dans la base", 0.2), ("Sauvegarde", 0), ("Publication", 0)]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ecotransition.imports", "counter_measures", str(measures),
             "--db", str(writable_db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in proc.stdout:
            if marker in line:
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(writable_db)
        assert now in (old, new), f"mixed state after a kill at « {marker} » + {delay} s"
        seen.append(now == new)
    # The file still takes imports, and a complete run ends in the new state.
    result = import_file("counter_measures", measures, writable_db)
    assert result.status in ("chargé", "inchangé")
    assert state(writable_db) == new
    leftovers = [p.name for p in writable_db.parent.iterdir() if p.name.endswith((".tmp", ".tmp.wal"))]
    assert leftovers == []
    assert not all(seen), "every kill came too late to interrupt anything"
