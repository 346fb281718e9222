"""Every table export of every page, opened in LibreOffice Calc as staff open it.

The pages are run with AppTest; each CSV/XLSX export they offer is recorded, written with
the same functions the buttons use and opened in LibreOffice (French locale): with ';' as the
only separator, with the import dialog's default separators (',' ';' Tab), with and without
"detect special numbers". Each row must keep the header's columns, each column one type (numbers,
dates or text) in CSV and XLSX alike, and both files the same numbers and dates.
"""

from __future__ import annotations

import math
import re

import pytest
from spreadsheets import SOFFICE, calc_read, kind

from conftest import open_page
from ecotransition.surfaces import export

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) not installed")

# (page, session state): every page with an export, the visits series at each time step, the
# map's profile of Lens and its values table for a count and for a share.
VIEWS = [
    ("pages/vue-ensemble.py", {}),
    ("pages/investissements.py", {}),
    ("pages/solaire.py", {}),
    ("pages/evenements.py", {}),
    ("pages/chaine-des-parcs.py", {"pas": "Jour"}),
    ("pages/chaine-des-parcs.py", {"pas": "Semaine"}),
    ("pages/chaine-des-parcs.py", {"pas": "Mois"}),
    ("pages/chaine-des-parcs.py", {"pas": "12 mois glissants"}),
    ("pages/carte.py", {"commune": "62498"}),
    ("pages/carte.py", {"commune": "62498", "indicateur": "Taux de valorisation solaire"}),
]


@pytest.fixture(scope="module")
def exported(built_db, tmp_path_factory) -> dict[str, dict]:
    """{file stem: {"frame", "labels", "csv", "xlsx"}} for every export the pages offer."""
    import pages._ui as ui

    recorded: dict[str, tuple] = {}
    original = ui.export_buttons

    def record(df, basename, labels=None, key=None):
        # A paginated table passes a function giving every row of the selection.
        recorded[basename] = ((df() if callable(df) else df).copy(), labels)
        original(df, basename, labels, key=key)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ui, "export_buttons", record)
        for page, state in VIEWS:
            open_page(page, **state)
    out = tmp_path_factory.mktemp("exports")
    files = {}
    for basename, (df, labels) in recorded.items():
        stem = re.sub(r"[^\w-]", "_", basename)
        (out / f"{stem}.csv").write_bytes(export.to_csv(df, labels))
        (out / f"{stem}.xlsx").write_bytes(export.to_xlsx(df, labels))
        files[stem] = {"frame": df, "labels": labels, "csv": out / f"{stem}.csv", "xlsx": out / f"{stem}.xlsx"}
    return files


@pytest.fixture(scope="module")
def calc(exported, tmp_path_factory) -> dict[str, dict[str, list[list]]]:
    """{setting: {file name: rows}} as LibreOffice read them."""
    work = tmp_path_factory.mktemp("calc")
    csvs = [f["csv"] for f in exported.values()]
    xlsxs = [f["xlsx"] for f in exported.values()]
    return {
        "semicolon": calc_read(csvs, work, "semicolon", True),
        "default separators": calc_read(csvs, work, "default", True),
        "no special numbers": calc_read(csvs, work, "semicolon", False),
        "xlsx": calc_read(xlsxs, work),
    }


def _columns(rows: list[list]) -> dict[str, list]:
    header = rows[0]
    return {h: [r[i] if i < len(r) else None for r in rows[1:]] for i, h in enumerate(header) if h is not None}


def test_every_page_export_was_opened(exported):
    assert sorted(exported) == [
        "anomalies_compteurs", "carte_population", "carte_solar_uptake", "chaine_des_parcs_sites",
        "comparaison_par_habitant_2024", "evenements", "investissements_projets", "passages_compteurs_2024",
        "passages_day", "passages_month", "passages_rolling", "passages_week", "profil_62498",
        "solaire_communes_2024", "solaire_comparaison_par_habitant_2024"]


def test_rows_keep_the_header_columns_under_every_separator(exported, calc):
    for stem, f in exported.items():
        width = len(f["labels"]) if f["labels"] else f["frame"].shape[1]
        for setting in ("semicolon", "default separators", "no special numbers"):
            rows = calc[setting][f["csv"].name]
            assert len(rows) == len(f["frame"]) + 1, (stem, setting)
            widths = {sum(1 for _ in r) for r in rows}
            assert widths == {width}, (stem, setting, widths)
            # Nothing spilled into a cell past the last column, no header cell empty.
            assert all(h is not None for h in rows[0]), (stem, setting, rows[0])


def test_each_column_has_one_type_in_csv_and_xlsx_alike(exported, calc):
    for stem, f in exported.items():
        xlsx = _columns(calc["xlsx"][f["xlsx"].name])
        for setting in ("semicolon", "default separators", "no special numbers"):
            csv = _columns(calc[setting][f["csv"].name])
            assert list(csv) == list(xlsx), (stem, setting)
            for name, values in csv.items():
                kinds = {kind(v) for v in values} - {None}
                xkinds = {kind(v) for v in xlsx[name]} - {None}
                assert len(kinds) <= 1 and len(xkinds) <= 1, (stem, setting, name, kinds, xkinds)
                if xkinds == {"number"} or (xkinds == {"date"} and setting != "no special numbers"):
                    # The same numbers and dates in both files, cell by cell.
                    assert kinds == xkinds, (stem, setting, name, kinds, xkinds)
                    for a, b in zip(values, xlsx[name]):
                        assert (a is None) == (b is None), (stem, name, a, b)
                        if kind(a) == "number":
                            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9), (stem, name, a, b)
                        elif a is not None:
                            assert a == b, (stem, name, a, b)
                elif xkinds == {"text"} and kinds != xkinds:
                    # Only identifiers made of digits (INSEE codes) read as numbers in a CSV.
                    assert kinds == {"number"} and "code" in name.lower(), (stem, setting, name, kinds)


def test_the_commune_profile_exports_numbers(exported, calc):
    f = exported["profil_62498"]
    for rows in (calc["semicolon"][f["csv"].name], calc["default separators"][f["csv"].name],
                 calc["xlsx"][f["xlsx"].name]):
        cols = _columns(rows)
        by = {ind: i for i, ind in enumerate(cols["Indicateur"])}
        assert cols["Commune"][by["Population"]] == 31415
        assert cols["Unité"][by["Population"]] == "habitants"
        assert cols["Commune"][by["Sites PV pour 1 000 habitants"]] == 10.5
        assert cols["Commune"][by["Taux de valorisation solaire"]] == 2.27
        assert cols["Unité"][by["Taux de valorisation solaire"]] == "%"
        assert cols["Commune"][by["Investissements (montant)"]] == 140_000_000
        assert cols["Part de la commune dans l'agglomération (%)"][by["Population"]] == 13.0
        assert cols["Année"][by["Production PV"]] == 2024 and cols["Période"][by["Production PV"]] is None
        assert cols["Année"][by["Population"]] is None
        assert cols["Période"][by["Population"]] == "millésime de la source"
        numbers = [v for c in ("Commune", "Agglomération", "Pôle métropolitain") for v in cols[c] if v is not None]
        assert len(numbers) == 24 and all(kind(v) == "number" for v in numbers)


def test_the_visits_series_exports_its_periods_as_dates(exported, calc):
    for stem, first in (("passages_day", "2019-01-01"), ("passages_month", "2019-01-01")):
        f = exported[stem]
        cols = _columns(calc["semicolon"][f["csv"].name])
        assert "Période" not in cols
        starts = [v for v in cols["Début de la période"] if v is not None]
        assert len(starts) == len(f["frame"]) and {kind(v) for v in starts} == {"date"}
        assert starts[0].date().isoformat() == first
        assert {kind(v) for v in cols["Passages comptés"]} - {None} == {"number"}


def test_a_share_of_the_map_is_a_percentage_with_its_unit(exported, calc):
    f = exported["carte_solar_uptake"]
    cols = _columns(calc["default separators"][f["csv"].name])
    lens = cols["Code INSEE"].index(62498)
    assert cols["Taux de valorisation (%)"][lens] == 2.27
