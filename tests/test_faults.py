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
    assert [e.value for e in at.error] == [
        "La base de données est illisible ou incomplète. Le tableau de bord ne peut pas afficher de "
        "données pour l'instant."]   # no path, no engine error for anonymous visitors
    assert any("python -m ecotransition.build" in m.value for m in at.markdown)
    assert not any(str(tmp_path) in str(e.value) for kind in ("error", "markdown", "warning", "info")
                   for e in getattr(at, kind))


def test_a_public_replica_gives_no_instructions_visitors_cannot_follow(tmp_path, monkeypatch):
    # t15i finding 11: anonymous visitors were told to restore a backup or to run a build.
    from ecotransition.ui import auth

    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"garbage" * 1000)
    monkeypatch.setenv("ECOTRANSITION_DB", str(bad))
    monkeypatch.setenv(auth.ROLE_ENV, "public")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "La base de données est illisible ou incomplète. Le tableau de bord ne peut pas afficher de "
        "données pour l'instant."]
    assert [i.value for i in at.info] == ["Réessayez plus tard : l'équipe du Pôle métropolitain remet la base en état."]
    assert not any("ecotransition.build" in m.value or "sauvegarde" in m.value for m in at.markdown)


def test_missing_database_is_built_on_first_run(tmp_path, monkeypatch):
    target = tmp_path / "new" / "eco.duckdb"
    monkeypatch.setenv("ECOTRANSITION_DB", str(target))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    assert target.exists()
    assert [p.name for p in target.parent.iterdir() if p.suffix == ".tmp"] == []
