"""A missing or corrupt database at start gives a French message and a way back, not a traceback."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import APP


def test_corrupt_database_shows_french_message(tmp_path, monkeypatch):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"garbage" * 1000)
    monkeypatch.setenv("ECOTRANSITION_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert any("illisible" in e.value for e in at.error)
    assert any("python -m ecotransition.build" in m.value for m in at.markdown)


def test_missing_database_is_built_on_first_run(tmp_path, monkeypatch):
    target = tmp_path / "new" / "eco.duckdb"
    monkeypatch.setenv("ECOTRANSITION_DB", str(target))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    assert target.exists()
    assert [p.name for p in target.parent.iterdir() if p.suffix == ".tmp"] == []
