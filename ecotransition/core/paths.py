"""Where things live: the repository folders and the database file."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "data" / "seed"
QUERIES_DIR = ROOT / "queries"
DEFAULT_DB = ROOT / "data" / "ecotransition.duckdb"


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $ECOTRANSITION_DB, else data/ecotransition.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("ECOTRANSITION_DB")
    return Path(env) if env else DEFAULT_DB
