"""XLSX parts the caps must see whatever their name or encoding, and text escapes decoded once
(issue #14, a fresh tester's t14i F, G, H)."""

from __future__ import annotations

import zipfile

import pytest

from ecotransition.imports import readers
from test_imports_t14i import openpyxl_calls, refused_before_parsing  # noqa: F401  (fixture)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def book(path, rows_xml: str, shared: str | None = None, shared_part: str = "xl/sharedStrings.xml",
         sheet_encoding: str = "utf-8", declared: str = "UTF-8", extra: dict[str, bytes] | None = None,
         overrides: str = "", package_target: str = "xl/workbook.xml") -> None:
    """A one-sheet workbook written part by part: `rows_xml` inside <sheetData>, the shared strings
    (<si> items) in `shared_part` (any name: the package's relations and content types find it), the
    sheet's XML encoded in `sheet_encoding` and declared as `declared`; `extra` parts, `overrides`
    added to [Content_Types].xml, and the workbook _rels/.rels names (`package_target`)."""
    override = f'<Override PartName="/{shared_part}" ContentType="{TYPE}.sharedStrings+xml"/>' if shared else ""
    override += overrides
    relation = f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="/{shared_part}"/>' if shared else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   f'ContentType="{TYPE}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   f'ContentType="{TYPE}.worksheet+xml"/>{override}</Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{REL}"><Relationship Id="rId1" '
                   f'Type="{DOC}/officeDocument" Target="{package_target}"/></Relationships>')
        for name, content in (extra or {}).items():
            z.writestr(name, content)
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                   '<sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{REL}"><Relationship Id="rId1" '
                   f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>{relation}</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="{declared}"?><worksheet xmlns="{MAIN}">'
                   f'<sheetData>{rows_xml}</sheetData></worksheet>'.encode(sheet_encoding))
        if shared:
            z.writestr(shared_part, f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{shared}</sst>')


def text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


HEADER = f'<row r="1">{text("A1", "code_commune")}{text("B1", "potentiel_mwh")}</row>'


def cadastre_rows(n: int, first: int = 2) -> str:
    return "".join(f'<row r="{r}">{text(f"A{r}", "62498")}<c r="B{r}"><v>{r}</v></c></row>'
                   for r in range(first, first + n))


def test_a_sheet_in_utf16_is_counted_as_openpyxl_reads_it(writable_db, tmp_path, monkeypatch, openpyxl_calls):  # noqa: F811
    # t14i F: the sheet's XML in UTF-16 hid its cells from the caps (counted as UTF-8 bytes): 2 M cells
    # were parsed. The caps now parse each part as openpyxl does (expat, its declared encoding): the
    # same cells are counted, and a small sheet in UTF-16 is read.
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 100)
    f = tmp_path / "utf16.xlsx"
    book(f, HEADER + cadastre_rows(60), sheet_encoding="utf-16", declared="UTF-16")
    assert refused_before_parsing(writable_db, "solar_potential", f, openpyxl_calls) == [
        "feuille de 122 cellules (limite 100 pour un classeur XLSX) : elle n'a pas été lue. Découpez-la ou "
        "exportez-la en CSV (un CSV peut compter jusqu'à 20\u202f000\u202f000 cellules)."]
    book(f, HEADER + cadastre_rows(5), sheet_encoding="utf-16", declared="UTF-16")
    assert len(readers.read_xlsx(f.read_bytes()).rows) == 5
    book(f, HEADER + cadastre_rows(5), sheet_encoding="latin-1", declared="ISO-8859-1")
    assert len(readers.read_xlsx(f.read_bytes()).rows) == 5


def test_rich_text_runs_count_against_the_elements_cap(writable_db, tmp_path, monkeypatch, openpyxl_calls):  # noqa: F811
    # t14i G: one cell of 200 000 rich-text runs (16 KB zipped) took 7 s of openpyxl; the cells cap saw
    # 4 cells. Every element openpyxl parses counts: 20 000 runs of 4 elements pass a cap of 50 000.
    monkeypatch.setattr(readers, "MAX_XLSX_ELEMENTS", 50_000)
    runs = "".join("<r><rPr><b/></rPr><t>6</t></r>" for _ in range(20_000))
    f = tmp_path / "runs.xlsx"
    book(f, HEADER + f'<row r="2"><c r="A2" t="inlineStr"><is>{runs}</is></c><c r="B2"><v>1</v></c></row>')
    assert refused_before_parsing(writable_db, "solar_potential", f, openpyxl_calls) == [
        "classeur de plus de 50\u202f000 éléments XML à lire, toutes feuilles comprises (limite 50\u202f000 : cellules, "
        "textes et leurs mises en forme) : il n'a pas été lu. Exportez la feuille en CSV."]
    # The same elements over many ordinary cells: the same cap (a sheet of 12 000 rows of 2 cells).
    book(f, HEADER + cadastre_rows(12_000))
    with pytest.raises(readers.ReadError, match="plus de 50\u202f000 éléments XML"):
        readers.read_xlsx(f.read_bytes())
    book(f, HEADER + cadastre_rows(5_000))   # 30 000 elements: read
    assert len(readers.read_xlsx(f.read_bytes()).rows) == 5_000


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/strs.xml", "xl/data/textes.bin"])
def test_shared_strings_are_counted_whatever_their_part_is_named(tmp_path, monkeypatch, part, openpyxl_calls):  # noqa: F811
    # t14i G: shared strings in a part not named sharedStrings.xml escaped the shared strings' cap.
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 1000)
    f = tmp_path / "sst.xlsx"
    book(f, f'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
         shared="".join(f"<si><t>texte {i}</t></si>" for i in range(1500)), shared_part=part)
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value) == ("classeur de 1\u202f500 textes partagés (limite 1\u202f000) : il n'a pas été lu. "
                                  "Exportez la feuille en CSV.")
    assert openpyxl_calls == {"load_workbook": 0, "parse_dimensions": 0}


def test_a_written_escape_in_a_shared_string_is_decoded_once_as_in_an_inline_one(writable_db, tmp_path):
    # t14i H: Excel writes the text « _x000D_ » as « _x005F_x000D_ ». openpyxl's shared strings reader
    # dropped every « x005F_ » and our decoding then made a carriage return of it (« Code\r partagé »),
    # while the same text inline was right. Both now read as written; « _x000D_ » alone is a line break.
    f = tmp_path / "esc.xlsx"
    book(f, f'<row r="1">{text("A1", "titre")}</row><row r="2"><c r="A2" t="s"><v>0</v></c></row>'
            f'<row r="3">{text("A3", "Code_x005F_x000D_ inline")}</row><row r="4"><c r="A4" t="s"><v>1</v></c></row>'
            f'<row r="5"><c r="A5" t="s"><v>2</v></c></row>',
         shared="<si><t>Code_x005F_x000D_ partagé</t></si><si><t>a_x000D_b</t></si>"
                "<si><r><t>Ri_x005F_x0009_</t></r><r><rPr><b/></rPr><t>che</t></r></si>")
    assert readers.read_xlsx(f.read_bytes()).rows == [["Code_x000D_ partagé"], ["Code_x000D_ inline"], ["a\rb"],
                                                      ["Ri_x0009_che"]]


def test_a_decoy_workbook_in_the_package_relations_does_not_hide_the_sheet(tmp_path, monkeypatch, openpyxl_calls):  # noqa: F811
    # t14j finding 1: openpyxl finds the workbook by its content type, the caps followed _rels/.rels; a
    # decoy workbook there (one sheet of a header) made the real sheet « another sheet », not counted:
    # 1 500 000 rows × 7 cells in 593 KB parsed for 89 s and 2 GB.
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 1000)
    decoy = {"xl/decoy.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="Leurre" sheetId="1" '
                             'r:id="rId1"/></sheets></workbook>'.encode(),
             "xl/_rels/decoy.xml.rels": f'<Relationships xmlns="{REL}"><Relationship Id="rId1" Type="{DOC}/worksheet" '
                                        'Target="worksheets/leurre.xml"/></Relationships>'.encode(),
             "xl/worksheets/leurre.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER}</sheetData></worksheet>'.encode()}
    f = tmp_path / "leurre.xlsx"
    book(f, HEADER + cadastre_rows(600), extra=decoy, package_target="xl/decoy.xml")
    assert readers.sheet_names(f.read_bytes()) == ["Feuille1"]   # what openpyxl reads
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value).startswith("feuille de 1\u202f202 cellules (limite 1\u202f000 pour un classeur XLSX)")
    assert openpyxl_calls == {"load_workbook": 0, "parse_dimensions": 0}


@pytest.mark.parametrize("part, declared_type", [
    ("xl/styles.xml", "application/octet-stream"),      # openpyxl reads the styles by the workbook's relation
    ("docProps/core.xml", "application/octet-stream"),  # and the properties by the package's
    ("xl/chartsheets/sheet2.xml", f"{TYPE}.chartsheet+xml"),
    ("xl/worksheets/_rels/sheet1.xml.rels", "application/octet-stream"),
])
def test_every_xml_part_counts_whatever_its_declared_type(tmp_path, monkeypatch, part, declared_type, openpyxl_calls):  # noqa: F811
    # t14j finding 2: parts that openpyxl parses by a fixed path or a relation, declared with another
    # type (or a chart sheet), escaped the count: 20 M elements in 83 KB loaded after 92 s and 1.9 GB.
    monkeypatch.setattr(readers, "MAX_XLSX_ELEMENTS", 50_000)
    f = tmp_path / "parts.xlsx"
    bomb = ("<?xml version='1.0' encoding='UTF-8'?><root>" + "<a/>" * 60_000 + "</root>").encode()
    book(f, HEADER + cadastre_rows(5), extra={part: bomb},
         overrides=f'<Override PartName="/{part}" ContentType="{declared_type}"/>')
    with pytest.raises(readers.ReadError, match="classeur de plus de 50\u202f000 éléments XML"):
        readers.read_xlsx(f.read_bytes())
    assert openpyxl_calls == {"load_workbook": 0, "parse_dimensions": 0}
    # In UTF-16, or behind 300 blanks (t14k findings 1, 3): counted the same, as openpyxl parses it.
    for written in (bomb.decode().replace("UTF-8", "UTF-16").encode("utf-16"), b" " * 300 + bomb[38:]):
        book(f, HEADER + cadastre_rows(5), extra={part: written},
             overrides=f'<Override PartName="/{part}" ContentType="{declared_type}"/>')
        with pytest.raises(readers.ReadError, match="classeur de plus de 50\u202f000 éléments XML"):
            readers.read_xlsx(f.read_bytes())


def test_parts_openpyxl_never_reads_are_neither_counted_nor_refused(tmp_path, monkeypatch):
    # t14j finding 5: a UTF-16 customXml part (SharePoint writes some) refused a workbook whose reading
    # never opens it; an image is no XML.
    monkeypatch.setattr(readers, "MAX_XLSX_ELEMENTS", 50_000)
    f = tmp_path / "custom.xlsx"
    book(f, HEADER + cadastre_rows(5), extra={"customXml/item1.xml": "<a/>".encode("utf-16") * 1000,
                                              "customXml/item2.xml": b"<b/>" * 60_000,
                                              "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + b"<" * 60_000})
    assert len(readers.read_xlsx(f.read_bytes()).rows) == 5


def test_the_sheet_list_does_not_open_the_workbook(tmp_path, openpyxl_calls):  # noqa: F811
    # t14j finding 3: the page listed the sheets with openpyxl's load_workbook in the server process,
    # which parses the shared strings first: 30 s and 1.5 GB for 3.1 M rich-text runs in 92 KB.
    f = tmp_path / "liste.xlsx"
    runs = "".join("<r><t>x</t></r>" for _ in range(200_000))
    book(f, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=f"<si>{runs}</si>", shared_part="xl/blob.dat")
    assert readers.sheet_names(f.read_bytes()) == ["Feuille1"]
    assert openpyxl_calls == {"load_workbook": 0, "parse_dimensions": 0}
    with pytest.raises(readers.ReadError, match="le classeur XLSX est illisible"):
        readers.sheet_names(b"PK\x03\x04 pas un classeur")



def two_sheets(path, first: tuple[str, str, str], rows_xml: str, extra: dict[str, bytes] | None = None) -> None:
    """A workbook whose first sheet is `first` (name, relationship type, target part under xl/) and whose
    second is « Données » (`rows_xml`)."""
    name, kind, target = first
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   f'ContentType="{TYPE}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet2.xml" '
                   f'ContentType="{TYPE}.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{REL}"><Relationship Id="rId1" '
                   f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="{name}" sheetId="1" '
                   'r:id="rId1"/><sheet name="Données" sheetId="2" r:id="rId2"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{REL}"><Relationship Id="rId1" '
                   f'Type="{DOC}/{kind}" Target="{target}"/><Relationship Id="rId2" Type="{DOC}/worksheet" '
                   'Target="worksheets/sheet2.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet2.xml", f'<worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>')
        for part, content in (extra or {}).items():
            z.writestr(part, content)


def test_a_chart_sheet_first_is_neither_listed_nor_read(tmp_path):
    # t14k finding 7: a chart sheet first was listed first on the page and read by default: a Python
    # traceback in the CLI (« 'Chartsheet' object has no attribute 'iter_rows' »), no history line.
    f = tmp_path / "graphique.xlsx"
    chart = f'<chartsheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>'
    two_sheets(f, ("Graph", "chartsheet", "chartsheets/sheet1.xml"), HEADER + cadastre_rows(3),
               {"xl/chartsheets/sheet1.xml": chart.encode(),
                "xl/chartsheets/_rels/sheet1.xml.rels": f'<Relationships xmlns="{REL}"/>'.encode()})
    assert readers.sheet_names(f.read_bytes()) == ["Données"]
    assert len(readers.read_xlsx(f.read_bytes()).rows) == 3
    with pytest.raises(readers.ReadError, match="la feuille « Graph » est un graphique, pas un tableau : choisissez une "
                                                "feuille de données \\(feuilles : Données\\)"):
        readers.read_xlsx(f.read_bytes(), "Graph")


def test_parts_named_as_a_sheet_or_under_another_prefix_are_counted(tmp_path, monkeypatch):
    # t14k finding 2: the styles named as a worksheet were left out as « another sheet » (70 s, 767 MB);
    # finding 4: « <x:c> » cells under a root whose default namespace is the same went uncounted.
    monkeypatch.setattr(readers, "MAX_XLSX_ELEMENTS", 50_000)
    f = tmp_path / "styles.xlsx"
    styles = f'<styleSheet xmlns="{MAIN}">' + "<a/>" * 60_000 + "</styleSheet>"
    two_sheets(f, ("Styles", "worksheet", "styles.xml"), HEADER + cadastre_rows(3), {"xl/styles.xml": styles.encode()})
    with pytest.raises(readers.ReadError, match="classeur de plus de 50\u202f000 éléments XML"):
        readers.read_xlsx(f.read_bytes(), "Données")
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 100)
    rows = "".join(f'<x:row r="{r}"><x:c r="A{r}"><x:v>1</x:v></x:c><x:c r="B{r}"><x:v>2</x:v></x:c></x:row>'
                   for r in range(2, 62))
    f = tmp_path / "prefixe.xlsx"
    book(f, HEADER + rows)
    with zipfile.ZipFile(f) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        f'<worksheet xmlns="{MAIN}">'.encode(), f'<!-- <x:worksheet --><worksheet xmlns="{MAIN}" xmlns:x="{MAIN}">'.encode())
    with zipfile.ZipFile(f, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    with pytest.raises(readers.ReadError, match="feuille de 122 cellules \\(limite 100"):
        readers.read_xlsx(f.read_bytes())


def test_a_long_attribute_or_comment_is_refused_at_once(tmp_path):
    # t14k finding 5: one attribute of 40 MiB (a 42 KB file) took 80 s, expat's time growing with the
    # square of a token read by small pieces; a comment the same. An Excel cell holds 32 767 characters.
    f = tmp_path / "attribut.xlsx"
    for cell in (f'<c r="A2" zz="{"A" * (3 << 20)}"><v>1</v></c>', f'<!--{"B" * (3 << 20)}--><c r="A2"><v>1</v></c>'):
        book(f, HEADER + f'<row r="2">{cell}</row>')
        with pytest.raises(readers.ReadError, match="la partie « xl/worksheets/sheet1.xml » du classeur XLSX contient un "
                                                    "texte, un attribut ou un commentaire de plus de 1\u202f048\u202f576 octets"):
            readers.read_xlsx(f.read_bytes())
    # The page's sheet list reads the workbook part the same way (t14k finding 6: 15 s in the server).
    two_sheets(f, ("Feuille1", "worksheet", "worksheets/sheet2.xml"), HEADER)
    with zipfile.ZipFile(f) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>", b'<sheets zz="' + b"A" * (3 << 20) + b'">')
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    with pytest.raises(readers.ReadError, match="la partie « xl/workbook.xml » du classeur XLSX contient un texte"):
        readers.sheet_names(f.read_bytes())


def test_costly_parts_names_instructions_and_damage(tmp_path, monkeypatch):
    # t14l: 1 000 000 cell formats in xl/styles.xml (185 KB) cost openpyxl 40 s and 937 MB, each <xf>
    # 31-38 µs; tags of 100 000 distinct attribute names, 1,3 GB in the page's sheet list; 120 MiB of
    # processing instructions uncounted (23 s); a damaged deflate stream, a zlib.error traceback.
    monkeypatch.setattr(readers, "MAX_XLSX_PART_ELEMENTS", 1000)
    f = tmp_path / "styles.xlsx"
    xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    book(f, HEADER + cadastre_rows(3), extra={"xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><cellXfs>{xf * 1500}'
                                                               '</cellXfs></styleSheet>'.encode()})
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value) == ("la partie « xl/styles.xml » du classeur XLSX compte plus de 1\u202f000 éléments XML "
                                  "(styles, propriétés, graphiques… : un tableur en écrit quelques milliers) : il n'a pas "
                                  "été lu. Exportez la feuille en CSV.")
    monkeypatch.setattr(readers, "MAX_XLSX_NAMES", 500)
    names = " ".join(f'a{k}=""' for k in range(600))
    two_sheets(f, ("Feuille1", "worksheet", "worksheets/sheet2.xml"), HEADER)
    with zipfile.ZipFile(f) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</sheets>", f"</sheets><x {names}/>".encode())
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    with pytest.raises(readers.ReadError, match="la partie « xl/workbook.xml » du classeur XLSX compte plus de 500 noms "
                                                "d'éléments ou d'attributs différents"):
        readers.sheet_names(f.read_bytes())
    monkeypatch.setattr(readers, "MAX_XLSX_ELEMENTS", 50_000)
    book(f, HEADER + cadastre_rows(3) + "<?a?>" * 60_000)
    with pytest.raises(readers.ReadError, match="classeur de plus de 50\u202f000 éléments XML"):
        readers.read_xlsx(f.read_bytes())
    # A damaged member: « illisible », never a traceback, for the caps and the page's sheet list.
    book(f, HEADER + cadastre_rows(2000))
    data = bytearray(f.read_bytes())
    at = data.find(b"xl/worksheets/sheet1.xml") + 200
    data[at:at + 40] = bytes(40)
    for read in (readers.read_xlsx, readers.xlsx_caps):
        with pytest.raises(readers.ReadError, match="le classeur XLSX est illisible ou endommagé"):
            read(bytes(data))


def test_the_content_types_and_relations_are_scanned_before_a_tree_is_built(tmp_path, monkeypatch):
    # The package's content types and the workbook's relations are parsed whole (ElementTree, openpyxl):
    # scanned first, with the caps of a part openpyxl turns into objects.
    monkeypatch.setattr(readers, "MAX_XLSX_PART_ELEMENTS", 1000)
    f = tmp_path / "types.xlsx"
    book(f, HEADER + cadastre_rows(3), overrides='<Default Extension="x" ContentType="a/b"/>' * 1500)
    with pytest.raises(readers.ReadError, match="la partie « \\[Content_Types\\].xml » du classeur XLSX compte plus de "
                                                "1\u202f000 éléments XML"):
        readers.sheet_names(f.read_bytes())
