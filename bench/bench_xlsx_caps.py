"""XLSX workbooks whose sheet XML is large for their size (issue #14 « Bounded cost », t14i finding 4):
the CLI's wall and CPU time and peak memory until it loads or refuses, each in a fresh process.

    python bench/bench_xlsx_caps.py [--timeout 300] [--files A.xlsx B.xlsx]

Without --files, the workbooks are written in a temporary folder, the XML streamed into the zip as the
tester made them: a `cadastre_usage` sheet of 2 columns (the number 45000 under « date »: refused,
one error per row) with 266 311 rows (20 MiB of XML, 2 MB file) and 2 200 000 rows (193 MiB, under the 200 MiB cap), and a
legitimate one (3 000 days written as dates, loads). Each import runs on a fresh copy of a scale-1 database.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

from bench_import import CHILD, ROOT

from ecotransition.data.build import build
from ecotransition.imports.readers import _scan

PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def workbook(path: Path, rows: int, dates: bool) -> None:
    """A 2-column cadastre_usage sheet streamed into the zip (memory does not grow with `rows`)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                      b'<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c><c r="B1" t="inlineStr"><is>'
                      b'<t>utilisateurs</t></is></c></row>')
            chunk = []
            for r in range(2, rows + 2):
                # A real day written as text (one per row, from 01/01/2010), or the tester's number 45000
                # under « date » (a number is no date: one error per row).
                cell = (f'<c r="A{r}" t="inlineStr"><is><t>{date(2010, 1, 1) + timedelta(days=r):%d/%m/%Y}</t></is></c>'
                        if dates else f'<c r="A{r}"><v>45000</v></c>')
                chunk.append(f'<row r="{r}">{cell}<c r="B{r}"><v>1</v></c></row>')
                if len(chunk) == 10000:
                    out.write("".join(chunk).encode())
                    chunk = []
            out.write("".join(chunk).encode() + b"</sheetData></worksheet>")


def run(file: Path, base: Path, tmp: Path, timeout: float) -> str:
    db = tmp / "x.duckdb"
    shutil.copy(base, db)
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, "cadastre_usage", str(file), "--db", str(db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} | – | – | killed by the timeout |"
    line = next((l for l in done.stderr.splitlines() if l.startswith("RESULT")), None)
    if line is None:
        return f"– | – | – | {done.stderr[-300:]!r} |"
    _, wall, cpu, rss = line.split()
    lines = (done.stdout + done.stderr).splitlines()
    said = next((l for l in lines if l.startswith("- ")), "") or next(
        (l for l in lines if l.startswith(("Chargé", "Inchangé"))), "")
    return f"{float(wall):.1f} | {float(cpu):.1f} | {int(rss) / 1024:.0f} | exit {done.returncode}: {said[:150]} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--files", nargs="*", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        files = args.files
        if not files:
            files = [tmp / "legit_3000_days.xlsx", tmp / "xb_20mib_xml.xlsx", tmp / "xb_big_xml.xlsx"]
            workbook(files[0], 3000, True)
            workbook(files[1], 266_311, False)
            workbook(files[2], 2_200_000, False)
        base = tmp / "base.duckdb"
        build(base, 1, progress=lambda f, m: None)
        print("| workbook | file | sheet XML | cells | wall s | CPU s | peak MiB | result |")
        print("|---|---|---|---|---|---|---|---|")
        for f in files:
            with zipfile.ZipFile(f) as z:
                xml = sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
                # Counted as the import counts them (the whole sheet: no limit given).
                cells = sum(_scan(z, i, ("c",))[0]["c"] for i in z.infolist()
                            if i.filename.startswith("xl/worksheets/"))
            print(f"| {f.name} | {f.stat().st_size / 1e6:.1f} MB | {xml / 2**20:.1f} MiB | {cells:,} | "
                  + run(f, base, tmp, args.timeout), flush=True)


if __name__ == "__main__":
    main()
