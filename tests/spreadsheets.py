"""Open exported files in LibreOffice Calc (headless, French locale) and read back what it understood.

Our own readers agree with our writers by construction; a spreadsheet is the client staff use.
Each CSV is imported with LibreOffice's text filter as its import dialog offers it: UTF-8,
'"' as text delimiter, quoted fields not forced to text, French (France) as the language of the
numbers; the separators and "detect special numbers" (dates, times) are the settings a user flips.
Debian package: libreoffice-calc-nogui (installed by .ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path

import openpyxl

SOFFICE = shutil.which("soffice")
SEPARATORS = {"semicolon": "59", "default": "44/59/9"}   # ';' only; ',' ';' Tab as the dialog offers
FRENCH = "1036"


def _convert(files: list[Path], outdir: Path, infilter: str | None) -> None:
    profile = outdir.parent / "lo-profile"
    cmd = [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(outdir.parent)})


def kind(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date, time)):
        return "date"
    if isinstance(value, (int, float)):
        return "number"
    return "text"


def calc_read(files: list[Path], workdir: Path, separators: str = "semicolon",
              special_numbers: bool = True) -> dict[str, list[list]]:
    """{file name: rows of cell values as LibreOffice Calc read them}; CSVs through the text
    import filter with these settings, XLSX files as they are opened."""
    out: dict[str, list[list]] = {}
    for suffix in (".csv", ".xlsx"):
        group = [f for f in files if f.suffix == suffix]
        if not group:
            continue
        outdir = workdir / f"calc-{suffix[1:]}-{separators}-{special_numbers}"
        infilter = None
        if suffix == ".csv":
            infilter = f"CSV:{SEPARATORS[separators]},34,76,1,,{FRENCH},false,{str(special_numbers).lower()}"
        _convert(group, outdir, infilter)
        for f in group:
            ws = openpyxl.load_workbook(outdir / f"{f.stem}.xlsx").active
            out[f.name] = [list(row) for row in ws.iter_rows(values_only=True)]
    return out
