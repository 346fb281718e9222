"""Downloadable templates, one per dataset, written to data/templates/.

    python -m ecotransition.imports.templates     # regenerate the files

A staff template is a CSV for French Excel (';', UTF-8 with BOM) with the French headers
and one example row to overwrite. The counter datasets use the national schema's own
column names and ',' separator, as published.
"""

from __future__ import annotations

import sys

import pandas as pd

from ecotransition.core.paths import ROOT
from ecotransition.imports.datasets import DATASETS

TEMPLATES_DIR = ROOT / "data" / "templates"

# Example rows where a column's own example would not make a consistent line.
_COUNTER_EXAMPLES = {
    "counter_sites": "site_id,site_name,fr_insee_code,xlong,ylat\n"
                     "PMA-CPT-001,Parc d'Olhain – entrée principale,62540,2.58106,50.44111\n",
    # ended_at: empty while a channel counts; its last day once the counter is removed or replaced.
    "counter_channels": "channel_id,site_id,mobility_type,direction,time_step,ended_at\n"
                        "PMA-CPT-001-velo,PMA-CPT-001,BIKE,,3600,\n"
                        "PMA-CPT-001-pieton,PMA-CPT-001,PEDESTRIAN,,3600,\n",
    "counter_measures": "channel_id,counter_id,start_datetime,end_datetime,count\n"
                        "PMA-CPT-001-velo,PMA-CPT-001,2024-06-01T08:00:00+02:00,2024-06-01T09:00:00+02:00,42\n"
                        "PMA-CPT-001-velo,PMA-CPT-001,2024-06-01T09:00:00+02:00,2024-06-01T10:00:00+02:00,\n",
}


def file_name(dataset: str) -> str:
    return f"modele_{dataset}.csv"


def template_text(dataset: str) -> str:
    if dataset in _COUNTER_EXAMPLES:
        return _COUNTER_EXAMPLES[dataset]
    cols = [c for c in DATASETS[dataset].template.columns
            if c.required or c.example or c.name in ("lat", "lon")]
    header = ";".join(c.headers[0] for c in cols)
    row = ";".join(_csv_cell(c.example) for c in cols)
    return f"{header}\n{row}\n"


def _csv_cell(value: str) -> str:
    return f'"{value}"' if any(ch in value for ch in ';"\n') else value


def template_bytes(dataset: str) -> bytes:
    text = template_text(dataset).replace("\n", "\r\n")
    sep = "," if dataset in _COUNTER_EXAMPLES else ";"
    # The BOM makes Excel read the accents right; the schema files stay plain UTF-8.
    return (("" if sep == "," else "\ufeff") + text).encode("utf-8")


def template_frame(dataset: str) -> pd.DataFrame:
    """The template as a table (for an XLSX version, and to show it on the page)."""
    import csv
    import io

    text = template_text(dataset)
    sep = "," if dataset in _COUNTER_EXAMPLES else ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    return pd.DataFrame(rows[1:], columns=rows[0])


def columns_help(dataset: str) -> pd.DataFrame:
    """What each column of the template holds, in French, for the page."""
    fmt = DATASETS[dataset].template
    return pd.DataFrame(
        [{"colonne": c.headers[0],
          "obligatoire": "oui" if c.mandatory else ("colonne requise" if c.required else "non"),
          "contenu": c.help,
          "autres noms acceptés": ", ".join(c.headers[1:])} for c in fmt.columns])


def write_all() -> list[str]:
    TEMPLATES_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATASETS:
        path = TEMPLATES_DIR / file_name(name)
        path.write_bytes(template_bytes(name))
        written.append(str(path.relative_to(ROOT)))
    return written


if __name__ == "__main__":
    for p in write_all():
        print(p)
    sys.exit(0)
