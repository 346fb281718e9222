"""Exports as a user gets them: click the buttons in Chromium and read the files."""

from __future__ import annotations

import io

import pytest

from conftest import offline_page, wait_ready


@pytest.mark.browser
def test_events_exports_download_in_french_excel_format(server, browser, conn, tmp_path):
    expected_rows = conn.execute("SELECT count(*) FROM events").fetchall()[0][0]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 900}, accept_downloads=True)
    try:
        page.goto(f"{server}/evenements")
        wait_ready(page)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Exporter en CSV (Excel)").first.click()
        download = info.value
        assert download.suggested_filename.endswith(".csv")
        raw = download.path().read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents right
        text = raw.decode("utf-8-sig")
        lines = text.strip().split("\r\n")
        assert ";" in lines[0]
        assert len(lines) - 1 == expected_rows
        assert "Grand forum" in text and "2023-06-30" in text

        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Exporter en XLSX").first.click()
        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(info.value.path().read_bytes()))
        assert wb.active.max_row - 1 == expected_rows
        assert outside == []
    finally:
        page.context.close()
