"""Reading the files staff receive: CSV in any of the usual encodings and separators, or XLSX.

Everything comes out as text (or None for an empty cell), with the file's own line number
for each row (the header is line 1), so that validation can name the exact line. Decoding
never guesses silently: UTF-8 (with or without BOM) is tried first because Windows-1252
text is almost never valid UTF-8, and a file that is neither is refused rather than read
as mojibake.
"""

from __future__ import annotations

import csv
import io
import itertools
import lzma
import re
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from datetime import date, datetime, time
from pathlib import Path

from ecotransition.core.labels import count

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# Compressed files: read as what they are (by their first bytes), never by their name.
COMPRESSED = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz"}
# Sequences that UTF-8 French text turns into once it has been decoded as Windows-1252:
# a file containing them was already damaged before it reached us.
_MOJIBAKE = re.compile("Ã[\u00a0-\u00bf]|â€[™œ\u009d“”¦]|Å“")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReadError(Exception):
    """The file cannot be read as a table; the message is French and names the problem."""


@dataclass
class Table:
    """A file read as text: header names as written, rows of str | None, file line numbers."""
    header: list[str]
    rows: list[list[str | None]]
    lines: list[int]
    encoding: str
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # (line, column header, message) for cells that cannot be taken as they are
    cell_errors: list[tuple[int, str, str]] = field(default_factory=list)
    # The first records after the header, whatever their width: where the real header is
    # when a title sits above it.
    head: list[tuple[int, list[str | None]]] = field(default_factory=list)
    # Records of the wrong width beyond those kept in cell_errors (numbered_copy keeps 1 000):
    # counted, each on its own line, so that totals stay exact.
    more_width_errors: int = 0
    # XLSX: for each row, a bit mask of its number cells (bit k: column k). Their text is how we
    # write the number (« 1.5 »), not how the person writes numbers: never evidence of which
    # separator is the decimal mark (validate.resolve_separators). Empty for a CSV.
    number_cells: list[int] = field(default_factory=list)


HEAD_ROWS = 10
# Opendatasoft exports carry a « Geo Shape » column whose polygons exceed the csv module's
# default limit (131 072 characters); such a column is read and then ignored like any other
# unused one (a cell is then bounded by the file itself).
csv.field_size_limit(2**31 - 1)


def normalize_header(name: str) -> str:
    """'Date début' -> 'date_debut', 'Energie produite (MWh)' -> 'energie_produite_mwh'."""
    text = unicodedata.normalize("NFKD", str(name).replace("\ufeff", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def kind_of(data: bytes) -> str:
    """'xlsx', 'xls', 'empty', 'text' or a compression ('gzip', 'zstd'…), from the content (the
    file name may lie)."""
    if not data.strip(b" \t\r\n\x00"):
        return "empty"
    for magic, kind in COMPRESSED.items():
        if data.startswith(magic):
            return kind
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC):
        return "xls"
    return "text"


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        if b"\x00" in data[:65536]:
            raise ReadError(_NOT_TEXT)
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise ReadError(_NOT_TEXT)
    sample = text[:65536]
    # Binary data decoded as Windows-1252 is about one control character in nine; a short agenda with
    # a few vertical tabs or form feeds in its cells is text (they are removed from the values).
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 50):
        raise ReadError(_NOT_TEXT)
    bad = _MOJIBAKE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ReadError(
            f"ligne {line} : le texte contient « {bad.group()} » au lieu d'une lettre accentuée ; "
            "le fichier a été mal converti avant l'envoi. Réexportez-le depuis le tableur "
            "(CSV UTF-8 ou CSV Windows) sans conversion intermédiaire."
        )
    return text, {"utf-8-sig": "UTF-8 avec BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252",
                  "utf-16": "UTF-16"}[encoding]


_NOT_TEXT = (
    "le fichier n'est ni un CSV (texte) ni un classeur XLSX lisible : "
    "vérifiez qu'il s'agit bien de l'export attendu."
)


def sniff_delimiter(header_line: str) -> str:
    """The separator used in the header line: ';', ',' or tab (';' wins a tie, as in French Excel)."""
    counts = {d: 0 for d in (";", ",", "\t")}
    quoted = False
    for c in header_line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    best = max(counts, key=lambda d: (counts[d], d == ";", d == ","))
    return best if counts[best] else ","


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _records(stream, delimiter: str):
    """(first line, cleaned values) of each record of a CSV stream opened with newline="" (so
    that any mix of CRLF, LF and CR ends lines, and a quoted cell may hold a line break); blank
    records are left out. ReadError on a quote the csv module cannot close."""
    # Not strict: a quote inside an unquoted cell (Salle "Arc-en-ciel") is kept as a character,
    # as spreadsheets do; a quote left open shows up as a row with too few cells.
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            values = [_clean(v) for v in record]
            if any(v is not None for v in values):
                yield line, values
    except csv.Error as exc:
        raise ReadError(f"ligne {reader.line_num} : guillemets mal fermés ou caractère "
                        f"inattendu ({exc}).") from exc


def _width_error(values: list, width: int, delimiter: str | None) -> tuple[list, str | None]:
    """(values fitted to the header's width, or the French reason the record does not fit)."""
    if len(values) > width and not any(values[width:]):
        values = values[:width]   # trailing separators after the last column
    if len(values) == width:
        return values, None
    said = f" (séparateur « {delimiter} » détecté sur la ligne d'en-tête)" if delimiter else ""
    return values, f"{count(len(values), 'valeur')} pour {count(width, 'colonne')}{said}"


def read_csv_text(text: str, encoding: str = "UTF-8", progress=None) -> Table:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ReadError("le fichier est vide.")
    delimiter = sniff_delimiter(lines[first])
    header: list[str] | None = None
    rows: list[list[str | None]] = []
    row_lines: list[int] = []
    errors: list[tuple[int, str, str]] = []
    head: list[tuple[int, list[str | None]]] = []
    width = 0
    total = max(1, len(lines))
    for line, values in _records(io.StringIO(text, newline=""), delimiter):
        if header is None:
            header = [v or "" for v in values]
            while header and not header[-1]:
                header.pop()  # trailing separators after the last column
            width = len(header)
            continue
        if len(head) < HEAD_ROWS:
            head.append((line, values))
        values, wrong = _width_error(values, width, delimiter)
        if wrong:
            errors.append((line, "", wrong))
            continue
        rows.append(values)
        row_lines.append(line)
        if progress and len(rows) % 100_000 == 0:
            progress(min(line / total, 1.0))
    if header is None:
        raise ReadError("le fichier est vide.")
    return Table(header=header, rows=rows, lines=row_lines, encoding=encoding,
                 delimiter=delimiter, cell_errors=errors, head=head)


_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")


def _cell_text(value) -> str | None:
    """An XLSX cell value as the text a CSV export would hold (ISO dates, point decimals)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Positional, never « 1e-07 »: the number rule (validate._num) refuses exponents in text,
        # a number cell is a number whatever its display format. inf/nan give « Infinity »/« NaN ».
        text = format(Decimal(repr(value)), "f")
        # A number cell is not ambiguous: « 1.234 » written with a fourth decimal, so that the text
        # rule for « 1.000 » (validate._amb: thousands or decimals?) does not apply to it.
        return text + "0" if _AMBIGUOUS.fullmatch(text) else text
    if isinstance(value, int):
        return str(value)
    # OOXML writes control characters of a text as « _xHHHH_ » (Excel: a line break typed on Windows
    # is « _x000D_ » + LF; « _x005F_ » a literal underscore before one); openpyxl 3.1's read-only
    # reader leaves them as written (t14h finding 5). Decoded here, in one pass with openpyxl's own
    # helper, they meet the text rules (validate._txt, _line) as the same characters in a CSV do.
    from openpyxl.utils.escape import unescape   # only XLSX reaches here: openpyxl is loaded

    return _clean(unescape(str(value)))


def sheet_names(data: bytes) -> list[str]:
    """The workbook's sheet names, in their order, as openpyxl lists them. Asked by the page, in the
    server process, as soon as a workbook is chosen: read from the workbook part alone (streamed,
    bounded by _PART_BYTES), never by opening the workbook with openpyxl, which parses the shared
    strings, styles and chart sheets first (t14j finding 3: 30 s and 1.5 GB in the server for a
    92 KB file the import refuses in 1.5 s)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            # Worksheets only: a chart sheet holds no table (t14k finding 7: listed first, it was chosen
            # by default and the import stopped on it).
            return [name for name, _, kind in _workbook_sheets(z) if kind.endswith("/worksheet")]
    except (*_DAMAGED, KeyError, SyntaxError, TypeError, ValueError) as exc:
        raise ReadError("le classeur XLSX est illisible ou endommagé.") from exc


def _shared_strings_as_written(xml_source) -> list[str]:
    """The workbook's shared strings with their « _xHHHH_ » escapes as written, for _cell_text to
    decode once. openpyxl 3.1's reader.strings.read_string_table drops every « x005F_ », so a literal
    « _x000D_ » (written « _x005F_x000D_ ») came out as « _x000D_ » and was then decoded into a carriage
    return (t14i H); inline strings were right, being left as written."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    item, strings = f"{{{SHEET_MAIN_NS}}}si", []
    for _, node in iterparse(xml_source):
        if node.tag == item:
            strings.append(Text.from_tree(node).content)
            node.clear()
    return strings


def _openpyxl_patched() -> None:
    """openpyxl 3.1 read as we need it: shared strings as written (_shared_strings_as_written), and a
    sheet's size from its head only. Its read-only worksheet looks for the sheet's <dimension> when the workbook is opened,
    and, when there is none (writers other than Excel omit it), parses the whole sheet to find out: it
    stops at the *end* of <sheetData> (t14i finding 4: a sheet read 4 times, twice per workbook). The
    element comes before <sheetData> in the schema's order, so the head of the part tells: without it,
    the worksheet gets no dimensions, as openpyxl would have concluded; with it, openpyxl reads it."""
    import openpyxl.reader.excel
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    openpyxl.reader.excel.read_string_table = _shared_strings_as_written
    if getattr(ReadOnlyWorksheet._get_size, "head_only", False):
        return
    original = ReadOnlyWorksheet._get_size

    def _get_size(self) -> None:
        head = b""
        with self._get_source() as src:
            while len(head) < _PART_BYTES and (chunk := src.read(1 << 16)):
                head += chunk
                start = re.search(rb"<([\w.-]+:)?sheetData[\s>/]", head)
                if start:
                    if not re.search(rb"<([\w.-]+:)?dimension[\s>/]", head[:start.start()]):
                        return
                    break
        original(self)

    _get_size.head_only = True
    ReadOnlyWorksheet._get_size = _get_size


def read_xlsx(data: bytes, sheet: str | None = None) -> Table:
    """The first sheet (or the named one): cell values as computed by the spreadsheet, never formulas.

    ReadError (French) for a damaged workbook, a missing sheet, or a sheet beyond the caps
    (MAX_XLSX_ROWS, MAX_XLSX_CELLS, counted in its XML before openpyxl parses it)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    # Counted before openpyxl reads anything: its parse costs about 25 µs a cell (t14i finding 4: 20 MiB
    # of sheet XML in a 2 MB file took 75 s). A sheet without formulas is parsed once, for its values.
    has_formulas = xlsx_caps(data, sheet)
    _openpyxl_patched()
    try:
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False) if has_formulas else None
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ReadError("le classeur XLSX est illisible ou endommagé.") from exc
    try:
        names = [ws.title for ws in values.worksheets]   # not the chart sheets
        if sheet is not None and sheet not in names and sheet in values.sheetnames:
            raise ReadError(f"la feuille « {sheet} » est un graphique, pas un tableau : choisissez une feuille de "
                            f"données (feuilles : {', '.join(names) or 'aucune'}).")
        if not names:
            raise ReadError("le classeur XLSX n'a aucune feuille de données (seulement des graphiques).")
        if sheet is None:
            name = names[0]
        elif sheet in names:
            name = sheet
        else:
            raise ReadError(f"la feuille « {sheet} » n'existe pas dans le classeur "
                            f"(feuilles : {', '.join(names)}).")
        head: list[tuple[int, list[str | None]]] = []
        header: list[str] | None = None
        rows: list[list[str | None]] = []
        row_lines: list[int] = []
        numbers: list[int] = []
        errors: list[tuple[int, str, str]] = []
        width = 0
        pairs = zip(formulas[name].iter_rows() if formulas is not None else itertools.repeat(()),
                    values[name].iter_rows(values_only=True))
        for line, (fcells, vals) in enumerate(pairs, start=1):
            texts = [_cell_text(v) for v in vals]
            for k, cell in enumerate(fcells):
                if getattr(cell, "data_type", None) == "f" and (k >= len(vals) or vals[k] is None):
                    col = header[k] if header and k < len(header) else get_column_letter(k + 1)
                    errors.append((line, col, "formule sans valeur calculée : ouvrez le classeur "
                                   "dans le tableur et enregistrez-le avant l'import"))
            if not any(t is not None for t in texts):
                continue
            if header is None:
                header = [t or "" for t in texts]
                while header and not header[-1]:
                    header.pop()
                width = len(header)
                continue
            if len(head) < HEAD_ROWS:
                head.append((line, texts))
            if len(texts) > width and not any(texts[width:]):
                texts = texts[:width]
            if len(texts) < width:
                texts += [None] * (width - len(texts))  # openpyxl drops trailing empty cells
            if len(texts) != width:
                errors.append((line, "", f"{count(len(texts), 'valeur')} pour {count(width, 'colonne')}"))
                continue
            rows.append(texts)
            row_lines.append(line)
            numbers.append(sum(1 << k for k, v in enumerate(vals[:width])
                               if isinstance(v, (int, float)) and not isinstance(v, bool)))
        if header is None:
            raise ReadError(f"la feuille « {name} » est vide.")
        return Table(header=header, rows=rows, lines=row_lines, encoding="XLSX", sheet=name,
                     sheets=names, cell_errors=errors, head=head, number_cells=numbers)
    except ReadError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a malformed sheet: a French refusal, never a traceback
        raise ReadError("le classeur XLSX est illisible ou endommagé.") from exc
    finally:
        if formulas is not None:
            formulas.close()
        values.close()


# Caps checked before any parsing, so that a hostile or mistaken file is refused in
# milliseconds instead of filling the memory: the largest real files we know are a national
# Enedis export (~35 000 rows × 30 columns) and a year of hourly counts (~10 M rows, read by DuckDB).
MAX_COLUMNS = 300
MAX_ROWS = 30_000_000            # lines of a CSV read by DuckDB (the measures' fast path)
MAX_CELLS = 20_000_000           # rows × columns of a file read in Python (CSV or XLSX)
MAX_XLSX_BYTES = 200 * 2**20     # uncompressed size of a workbook's parts (a « zip bomb » is refused)
# A sheet is parsed by openpyxl in Python, cell by cell (about 25 µs each on the CI machine): the
# largest real one we know, a national Enedis export, has ~35 000 rows × 30 columns (1 M cells).
MAX_XLSX_CELLS = 2_000_000
MAX_XLSX_ROWS = 1_048_576        # Excel's own limit: a sheet with more rows is no spreadsheet's
# XML elements of the parts openpyxl parses, about 9 µs each: a cell of a number is 2 (<c><v>), of an
# inline text 3, a row 1; rich-text runs 3 to 8 each. About a minute at the cap, as MAX_XLSX_CELLS.
MAX_XLSX_ELEMENTS = 6_000_000
_PART_BYTES = 16 * 2**20         # workbook.xml and its relations: small in any real workbook


def _xml_root(z: zipfile.ZipFile, name: str):
    from xml.etree import ElementTree

    info = z.getinfo(name)
    if info.file_size > _PART_BYTES:
        raise ReadError("le classeur XLSX est illisible ou endommagé.")
    return ElementTree.fromstring(z.read(info))


def _small_part(z: zipfile.ZipFile, name: str) -> None:
    """ReadError when the part `name`, which is parsed whole into a tree, holds more than
    MAX_XLSX_PART_ELEMENTS elements, too many distinct names or a too long token (_scan)."""
    counted, _ = _scan(z, z.getinfo(name), (), {ELEMENTS: MAX_XLSX_PART_ELEMENTS})
    if counted[ELEMENTS] > MAX_XLSX_PART_ELEMENTS:
        raise ReadError(f"la partie « {name} » du classeur XLSX compte plus de {_number(MAX_XLSX_PART_ELEMENTS)} "
                        "éléments XML : il n'a pas été lu.")


def _workbook_sheets(z: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(name, part, relationship type) of each sheet of the workbook, found as openpyxl finds them:
    the workbook part by its content type in [Content_Types].xml (openpyxl's own
    _find_workbook_part, not _rels/.rels: a decoy workbook there hid the real sheet from the caps,
    t14j finding 1), its relationships resolved by openpyxl's get_dependents, its <sheet> elements
    streamed. Parts over _PART_BYTES are refused as damaged; openpyxl's errors pass through."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.reader.excel import _find_workbook_part

    _small_part(z, "[Content_Types].xml")   # before a whole tree of it is built
    book = _find_workbook_part(Manifest.from_tree(_xml_root(z, "[Content_Types].xml"))).PartName.lstrip("/")
    rels_path = get_rels_path(book)
    for part in (book, rels_path):
        if z.getinfo(part).file_size > _PART_BYTES:
            raise ReadError("le classeur XLSX est illisible ou endommagé.")
    _small_part(z, rels_path)
    rels = get_dependents(z, rels_path)
    rid = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
    found = []

    def sheet(local, attrs):
        if local == "sheet" and attrs.get(rid):
            found.append((attrs.get("name"), attrs[rid]))

    # Streamed with the caps' scanner: a long attribute in the workbook part stalled the page's
    # sheet list for 15 s in the server process (t14k finding 6).
    _, many = _scan(z, z.getinfo(book), ("sheet",), {"sheet": MAX_XLSX_SHEETS}, on_start=sheet)
    if many:
        raise ReadError(f"classeur de plus de {_number(MAX_XLSX_SHEETS)} feuilles : il n'a pas été lu.")
    sheets = []
    for name, r in found:
        rel = rels.get(r)
        sheets.append((name, rel.target, rel.Type or ""))
    valid = set(z.namelist())
    return [s for s in sheets if s[1] in valid]


ELEMENTS = "*"   # _scan's key for every element of a part
MAX_XLSX_TOKEN = 1 << 20   # bytes of one attribute, comment or name (an Excel cell holds 32 767 characters)
MAX_XLSX_SHEETS = 1000
MAX_XLSX_NAMES = 10_000    # distinct element and attribute names of a part
# Elements of a part openpyxl turns into objects on opening (styles, workbook, properties, theme, chart
# sheets and their charts: _costly_parts): it builds an object for each (a cell format <xf> costs it 31-38 µs, t14l
# finding 1: 1 000 000 of them, 185 KB zipped, took 40 s and 937 MB). Excel's own limit is 64 000
# cell formats; a real styles part has a few thousand elements.
MAX_XLSX_PART_ELEMENTS = 200_000
# Parts openpyxl reads at a fixed path, whatever the content types say: never given the sheets' budget.
_FIXED_PARTS = ("[content_types].xml", "xl/styles.xml", "xl/workbook.xml", "docprops/core.xml",
                "docprops/app.xml", "docprops/custom.xml", "xl/theme/theme1.xml")


def _scan(z: zipfile.ZipFile, info: zipfile.ZipInfo, names: tuple[str, ...] = (),
          limits: dict[str, int] | None = None, on_start=None) -> tuple[dict[str, int], bool]:
    """(how many elements of each local name in `names` the part holds, and under ELEMENTS how many
    of any name; whether the scan stopped because one passed its limit in `limits`, checked after
    each MiB), from a real XML parse (expat) that builds nothing: prefixes and namespaces resolved as
    openpyxl resolves them (t14k finding 4: « <x:c> » under another prefix than the root's went
    uncounted), the part's declared encoding read as openpyxl reads it, UTF-16 included. A part that
    is not XML ends its scan at the first error, counted so far (openpyxl would fail there too).
    `on_start(local, attrs)` sees each element.

    ReadError for a DOCTYPE (no spreadsheet part has one), or for a MiB of the part that starts no
    element and ends no comment: a token that long (an attribute, a comment) costs expat a time that
    grows with its square when read by small pieces, as openpyxl reads (t14k finding 5: 40 MiB, in
    a 42 KB file, took 80 s); an Excel cell holds at most 32 767 characters."""
    from xml.parsers import expat

    seen: defaultdict[str, int] = defaultdict(int)
    attribute_names: set[str] = set()
    events = [0]

    def start(name, attrs):
        seen[name] += 1
        if attrs:
            attribute_names.update(attrs)

    def start_seen(name, attrs):
        start(name, attrs)
        on_start(name.rsplit(" ", 1)[-1], attrs)

    def other(*_):
        events[0] += 1

    def doctype(*_):
        raise ReadError(f"la partie « {info.filename} » du classeur XLSX déclare un DOCTYPE, ce que ne fait aucun "
                        "tableur : il n'a pas été lu.")

    def counted() -> dict[str, int]:
        out = dict.fromkeys(names, 0)
        for name, k in seen.items():
            local = name.rsplit(" ", 1)[-1]
            if local in out:
                out[local] += k
        out[ELEMENTS] = sum(seen.values()) + events[0]   # comments and instructions cost as much (t14l finding 4)
        return out

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start if on_start is None else start_seen
    # Text is not watched (a handler call per text costs a second per million cells): a text over a
    # MiB is no spreadsheet cell either (32 767 characters at most).
    parser.CommentHandler = parser.ProcessingInstructionHandler = other
    parser.StartDoctypeDeclHandler = doctype
    limits = limits or {}
    total = 0
    try:
        with z.open(info) as fh:
            while chunk := fh.read(MAX_XLSX_TOKEN):
                parser.Parse(chunk, False)
                progress = sum(seen.values()) + events[0]
                if progress == total and len(chunk) == MAX_XLSX_TOKEN:
                    raise ReadError(f"la partie « {info.filename} » du classeur XLSX contient un texte, un attribut ou "
                                    f"un commentaire de plus de {_number(MAX_XLSX_TOKEN)} octets (une cellule de tableur "
                                    "compte au plus 32 767 caractères) : il n'a pas été lu. "
                                    "Exportez la feuille en CSV.")
                total = progress
                # Every distinct name is kept by the parser, expat's and openpyxl's alike (t14l finding 2:
                # tags of 100 000 distinct attribute names, 1,3 GB for a 17.7 MB file); a spreadsheet
                # part uses a few hundred.
                if len(seen) + len(attribute_names) > MAX_XLSX_NAMES:
                    raise ReadError(f"la partie « {info.filename} » du classeur XLSX compte plus de "
                                    f"{_number(MAX_XLSX_NAMES)} noms d'éléments ou d'attributs différents (un tableur "
                                    "en écrit quelques centaines) : il n'a pas été lu. Exportez la feuille en CSV.")
                if limits:
                    now = counted()
                    if any(now[n] > limit for n, limit in limits.items()):
                        rest = fh.read(1)
                        if rest:   # stopped early: « plus de »
                            return now, True
                        parser.Parse(b"", True)   # read to its end: the exact count
                        return counted(), False
            parser.Parse(b"", True)
    except expat.ExpatError:
        pass
    return counted(), False


# What a damaged archive raises while a member is read: a French « illisible » (t14l finding 3: a
# damaged deflate stream gave a zlib.error traceback, and crashed the page's sheet list).
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error,
            lzma.LZMAError, UnicodeDecodeError)


def _costly_parts(z: zipfile.ZipFile, sheets: list[tuple[str, str, str]] | None) -> set[str]:
    """The members openpyxl turns into objects, element by element, whenever it opens the workbook: the
    parts it reads at a fixed path (_FIXED_PARTS: styles, workbook, properties, theme), the chart
    sheets and what they draw (by the workbook's relations, `sheets` from _followed_sheets, their
    folders and their content types)."""
    costly = {i.filename for i in z.infolist()
              if i.filename.lower() in _FIXED_PARTS
              or i.filename.lower().startswith(("xl/chartsheets/", "xl/charts/", "xl/drawings/"))}
    try:
        for e in _xml_root(z, "[Content_Types].xml").iter():
            kind = e.get("ContentType") or ""
            if e.tag.rsplit("}", 1)[-1] == "Override" and kind.endswith(
                    ("chartsheet+xml", "chart+xml", "drawing+xml", "styles+xml", "theme+xml", "properties+xml")):
                costly.add((e.get("PartName") or "").lstrip("/"))
    except (KeyError, SyntaxError, AttributeError, TypeError, ValueError, OSError, StopIteration, ReadError):
        pass
    return costly | {part for _, part, kind in sheets or () if "chartsheet" in kind}


def _followed_sheets(z: zipfile.ZipFile) -> list[tuple[str, str, str]] | None:
    """_workbook_sheets, or None when the workbook cannot be followed (openpyxl will then say what is
    wrong); its ReadError (a part beyond the caps) passes through."""
    try:
        return _workbook_sheets(z)
    except (KeyError, StopIteration, IndexError, AttributeError, SyntaxError, OSError, TypeError, ValueError):
        return None


def _sheet_parts(z: zipfile.ZipFile, sheet: str | None, sheets: list[tuple[str, str, str]] | None) -> list[str]:
    """The zip member of the worksheet `sheet` (the first worksheet when None) among `sheets`
    (_followed_sheets, as openpyxl finds them); when there is none, every worksheet part."""
    found = [part for name, part, kind in sheets or ()
             if kind.endswith("/worksheet") and (sheet is None or name == sheet)]
    return found[:1] or [i.filename for i in z.infolist() if i.filename.lower().startswith("xl/worksheets/")]


def xlsx_caps(data: bytes, sheet: str | None = None) -> bool:
    """ReadError (French, naming the cap) when the sheet to read has more rows or cells than the caps,
    or the workbook's parts more XML elements than MAX_XLSX_ELEMENTS or more shared strings than
    MAX_XLSX_CELLS, or a token longer than MAX_XLSX_TOKEN; else whether the sheet holds formulas (then
    read twice: the formula, and the value the spreadsheet computed).

    Every member is scanned (_scan, only up to the caps) but customXml/, which openpyxl never reads:
    not only the parts openpyxl is expected to parse, since which ones it parses depends on the
    content types, relations and names it reads its own way (t14i G, t14j findings 1-2, t14k
    findings 1-3: parts skipped for their declared type, for 256 leading blanks, for a second
    override or for being named as a sheet). The other sheets count too: a workbook with large other
    sheets is refused, and the message says to export the one sheet in CSV."""
    limits = {"row": MAX_XLSX_ROWS, "c": MAX_XLSX_CELLS}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            sheets = _followed_sheets(z)   # the workbook part read once for both
            chosen = set(_sheet_parts(z, sheet, sheets))
            costly = _costly_parts(z, sheets) - chosen
            found = dict.fromkeys(("row", "c", "f", "si", ELEMENTS), 0)
            more = many = False
            small = None
            for info in z.infolist():
                if info.is_dir() or info.filename.lower().startswith("customxml/"):
                    continue
                budget = {ELEMENTS: MAX_XLSX_ELEMENTS - found[ELEMENTS], "si": MAX_XLSX_CELLS - found["si"]}
                if info.filename in chosen:
                    counted, stop = _scan(z, info, ("row", "c", "f", "si"),
                                          {**{n: limit - found[n] for n, limit in limits.items()}, **budget})
                    more = more or stop
                elif info.filename in costly or info.filename.lower() in _FIXED_PARTS:
                    counted, stop = _scan(z, info, ("si",), {**budget, ELEMENTS: MAX_XLSX_PART_ELEMENTS})
                    if counted[ELEMENTS] > MAX_XLSX_PART_ELEMENTS:
                        small = info.filename
                        break
                else:   # the other sheets, pivot caches…: only the workbook's total
                    counted, stop = _scan(z, info, ("si",), budget)
                for n, k in counted.items():
                    found[n] += k
                many = many or stop
                over = (found[ELEMENTS] > MAX_XLSX_ELEMENTS or found["si"] > MAX_XLSX_CELLS
                        or any(found[n] > limit for n, limit in limits.items()))
                if stop or over:
                    break
    except _DAMAGED as exc:
        raise ReadError("le classeur XLSX est illisible ou endommagé.") from exc
    if small is not None:
        raise ReadError(f"la partie « {small} » du classeur XLSX compte plus de {_number(MAX_XLSX_PART_ELEMENTS)} "
                        "éléments XML (styles, propriétés, graphiques… : un tableur en écrit quelques milliers) : il "
                        "n'a pas été lu. Exportez la feuille en CSV.")
    # Counted up to the cap only: « plus de » the cap.
    shown = {n: f"plus de {_number(limits[n])}" if more else _number(found[n]) for n in limits}
    if found["row"] > MAX_XLSX_ROWS:
        raise ReadError(f"feuille de {shown['row']} lignes (limite {_number(MAX_XLSX_ROWS)}) : "
                        "elle n'a pas été lue. Découpez-la ou exportez-la en CSV.")
    if found["c"] > MAX_XLSX_CELLS:
        raise ReadError(f"feuille de {shown['c']} cellules (limite {_number(MAX_XLSX_CELLS)} "
                        "pour un classeur XLSX) : elle n'a pas été lue. Découpez-la ou exportez-la en CSV (un CSV "
                        f"peut compter jusqu'à {_number(MAX_CELLS)} cellules).")
    # Each text of the workbook is parsed when it is opened, used or not.
    if found["si"] > MAX_XLSX_CELLS:
        raise ReadError(f"classeur de {'plus de ' + _number(MAX_XLSX_CELLS) if many else _number(found['si'])} "
                        f"textes partagés (limite {_number(MAX_XLSX_CELLS)}) : il n'a pas été lu. Exportez la feuille "
                        "en CSV.")
    if found[ELEMENTS] > MAX_XLSX_ELEMENTS:
        raise ReadError(f"classeur de plus de {_number(MAX_XLSX_ELEMENTS)} éléments XML à lire, toutes feuilles "
                        f"comprises (limite {_number(MAX_XLSX_ELEMENTS)} : cellules, textes et leurs mises en forme) : "
                        "il n'a pas été lu. Exportez la feuille en CSV.")
    return found["f"] > 0


def _number(value) -> str:
    """A French number for a refusal; core.fmt (babel, pandas: 0.6 s to import) is loaded only then."""
    from ecotransition.core import fmt

    return fmt.number(value)


def head_of(source: bytes | Path, size: int = 65536) -> bytes:
    """The first `size` bytes of a file given as bytes or as a path (without reading it all)."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:size])
    with open(source, "rb") as fh:
        return fh.read(size)


def _count_lines(source: bytes | Path) -> tuple[int, bool]:
    """(newlines, ends with a newline), reading a path by chunks: memory does not grow with it."""
    if isinstance(source, (bytes, bytearray)):
        return source.count(b"\n"), source.endswith(b"\n")
    count, last = 0, b""
    with open(source, "rb") as fh:
        while chunk := fh.read(1 << 22):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count, last == b"\n"


def check_caps(source: bytes | Path, fast: bool) -> None:
    """ReadError (French, naming the cap) when the file is beyond what an import may read.

    `source`: the file's bytes or its path; `fast`: it will be read by DuckDB (counted in rows,
    not cells)."""
    head = head_of(source)
    kind = kind_of(head)
    if kind == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as z:
                size = sum(i.file_size for i in z.infolist())
        except zipfile.BadZipFile as exc:
            raise ReadError("classeur XLSX illisible (archive endommagée).") from exc
        if size > MAX_XLSX_BYTES:
            raise ReadError(f"classeur trop volumineux une fois décompressé ({_number(size / 2**20)} Mio ; "
                            f"limite {_number(MAX_XLSX_BYTES // 2**20)} Mio) : il n'a pas été lu. Exportez "
                            "la feuille en CSV ou découpez-la.")
        return
    if kind != "text":
        return
    newlines, closed = _count_lines(source)
    rows = newlines + (0 if closed else 1)
    line = head if b"\n" in head else head_of(source, 16 * 2**20)   # a header longer than the head
    whole_line = b"\n" in line or len(line) < 16 * 2**20
    first = line.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    columns = len(first.split(sniff_delimiter(first)))
    if columns > MAX_COLUMNS:
        counted = str(columns) if whole_line else f"plus de {columns}"
        raise ReadError(f"{counted} colonnes sur la ligne d'en-tête (limite {MAX_COLUMNS}) : ce n'est pas "
                        "un fichier de ce jeu de données.")
    if fast and rows > MAX_ROWS:
        raise ReadError(f"{_number(rows)} lignes (limite {_number(MAX_ROWS)}) : découpez le fichier, "
                        "par exemple par année.")
    if not fast and rows * columns > MAX_CELLS:
        raise ReadError(f"{_number(rows)} lignes × {columns} colonnes = {_number(rows * columns)} cellules "
                        f"(limite {_number(MAX_CELLS)}) : découpez le fichier.")


def read_table(data: bytes, sheet: str | None = None, progress=None) -> Table:
    """Any supported file as a Table; ReadError (French) when it cannot be read at all."""
    kind = kind_of(data)
    if kind == "empty":
        raise ReadError("le fichier est vide.")
    if kind == "xls":
        raise ReadError("ancien format Excel (.xls) non pris en charge : enregistrez le "
                        "classeur au format XLSX ou CSV.")
    if kind in COMPRESSED.values():
        raise ReadError(f"fichier compressé ({kind}) : décompressez-le puis importez le fichier CSV ou XLSX "
                        "qu'il contient.")
    if kind == "xlsx":
        return read_xlsx(data, sheet)
    text, encoding = decode(data)
    return read_csv_text(text, encoding, progress)


def head_rows(source: bytes | str | Path, delimiter: str, limit: int = 500) -> list[list[str]]:
    """Up to `limit` records after the header line, from the file's first 64 KiB (a record cut by
    the head's end is left out): a sample to choose how to read the rest, never the data loaded."""
    head = head_of(source)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    if len(head) == 65536:
        text = text[:text.rfind("\n") + 1]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True))
    body = [r for r in rows if any(v.strip() for v in r)][1:]
    return body[:limit]


def probe_csv(source: bytes | Path) -> tuple[str, str, list[str]] | None:
    """(encoding, delimiter, header) when the file looks like a UTF-8 CSV that DuckDB can read
    directly (the fast path for large files); None otherwise. Only the head is decoded here:
    DuckDB rejects invalid UTF-8 further on, and the import then falls back to reading the
    whole file in Python."""
    head = head_of(source)
    total = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
    if kind_of(head) != "text" or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if total == len(head) or exc.start < len(head) - 4:  # not a character cut by the head's end
            return None
        text = head[:exc.start].decode("utf-8")
    if _MOJIBAKE.search(text) or len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        return None
    encoding = "UTF-8 avec BOM" if text.startswith("\ufeff") else "UTF-8"
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None or len(first) >= len(text) - 1 and total > len(head):
        return None
    delimiter = sniff_delimiter(first)
    header = [(_clean(v) or "") for v in next(csv.reader([first], delimiter=delimiter))]
    while header and not header[-1]:
        header.pop()
    return encoding, delimiter, header


MAX_WIDTH_ERRORS = 1000   # records of the wrong width kept for the message (the others are counted)


def _numbered_records(src, delimiter: str):
    """(line, text, None) for each non-blank line without a double quote (the usual line: no
    parsing), (first line, None, cleaned values) for a record with one, read by the csv module as
    read_csv_text does (it may span lines). `src`: a text stream opened with newline="", so that a
    line ends at LF, CRLF or CR as the csv module reads it."""
    blank = delimiter + " \t\r\n"
    lines = iter(src)
    line = 0
    for text in lines:
        line += 1
        if '"' not in text:
            if text.strip(blank):
                yield line, text.rstrip("\r\n"), None
            continue
        reader = csv.reader(itertools.chain([text], lines), delimiter=delimiter, quotechar='"',
                            doublequote=True, strict=False)
        try:
            record = next(reader)
        except csv.Error as exc:
            raise ReadError(f"ligne {line + reader.line_num - 1} : guillemets mal fermés ou caractère "
                            f"inattendu ({exc}).") from exc
        values = [_clean(v) for v in record]
        if any(v is not None for v in values):
            yield line, None, values
        line += reader.line_num - 1


def probe_legacy(source: bytes | Path) -> tuple[str, str, list[str]] | None:
    """(« Windows-1252 », delimiter, header) when the file's head is text that is not UTF-8 but
    reads as Windows-1252 (a spreadsheet's « CSV Windows » export); None otherwise."""
    head = head_of(source)
    if kind_of(head) != "text" or head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return None
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        return None
    delimiter = sniff_delimiter(first)
    header = [(_clean(v) or "") for v in next(csv.reader([first], delimiter=delimiter))]
    while header and not header[-1]:
        header.pop()
    return "Windows-1252", delimiter, header


def numbered_copy(source: Path, out: Path, delimiter: str, encoding: str = "utf-8-sig") -> tuple[Table, int]:
    """Copy a UTF-8 CSV (with or without BOM, any line endings) to `out` as a CSV that DuckDB
    reads as told: the same separator, LF line endings, a first column « line » holding the
    record's line in `source` (header = line 1), blank records and records of the wrong width left
    out.

    The detailed reading of a large file: memory does not grow with it (one record at a time), and
    DuckDB's checks then name the file's own lines. A line without a double quote (the usual one)
    is copied as written (DuckDB's reading of its cells is then the fast path's own), a record with
    one is read by the csv module, its cells cleaned as read_csv_text does (_numbered_records): 1.3 s
    of CPU per million lines without quotes, 7.5 s through the csv module. Returns
    (the header, the first records and the records of the wrong width as a Table without rows,
    the number of records copied). `encoding`: the source's (Python's name; the copy is UTF-8).
    UnicodeDecodeError when the file is not in it after all (the caller reads it another way);
    ReadError on a quote the csv module cannot close."""
    header: list[str] | None = None
    head: list[tuple[int, list[str | None]]] = []
    errors: list[tuple[int, str, str]] = []
    wrong = copied = width = 0
    with open(source, encoding=encoding, newline="") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst, delimiter=delimiter, lineterminator="\n")
        for line, text, values in _numbered_records(src, delimiter):
            if values is None:
                if header is not None and text.count(delimiter) == width - 1:
                    if len(head) < HEAD_ROWS:
                        head.append((line, [_clean(v) for v in text.split(delimiter)]))
                    dst.write(f"{line}{delimiter}{text}\n")
                    copied += 1
                    continue
                values = [_clean(v) for v in text.split(delimiter)]
            if header is None:
                header = [v or "" for v in values]
                while header and not header[-1]:
                    header.pop()
                width = len(header)
                writer.writerow(["line", *header])
                continue
            if len(head) < HEAD_ROWS:
                head.append((line, values))
            values, reason = _width_error(values, width, delimiter)
            if reason:
                wrong += 1
                if len(errors) < MAX_WIDTH_ERRORS:
                    errors.append((line, "", reason))
                continue
            writer.writerow([line, *("" if v is None else v for v in values)])
            copied += 1
    if header is None:
        raise ReadError("le fichier est vide.")
    table = Table(header=header, rows=[], lines=[], encoding="UTF-8", delimiter=delimiter, cell_errors=errors,
                  head=head, more_width_errors=wrong - len(errors))
    return table, copied
