"""The /donnees page: public catalogue, staff-only import behind a password, history."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ecotransition.ui import auth

FIX = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "motdepasse-tres-secret"


@pytest.fixture(autouse=True)
def _clicks_reach_the_page(monkeypatch):
    """AppTest resets PagesManager.uses_pages_directory before every run, so store's one-time
    switch to st.navigation mode reruns every AppTest run and swallows button clicks."""
    from ecotransition.ui import store

    monkeypatch.setattr(store, "_leave_pages_directory_mode", lambda: None, raising=False)


def open_page() -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.run()
    at.switch_page("pages/donnees.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "error", "success", "warning", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_catalogue_is_public_and_upload_disabled_without_configuration(writable_db, monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    at = open_page()
    assert auth.HOW_TO_ENABLE in [i.value for i in at.info]
    assert len(at.get("file_uploader")) == 0
    table = at.dataframe[0].value
    with duckdb.connect(str(writable_db), read_only=True) as c:
        events = c.execute("SELECT count(*) FROM events").fetchall()[0][0]
        demo = c.execute("SELECT count(*) FROM solar_production").fetchall()[0][0]
    row = table.set_index("Nom technique")
    assert row.at["events", "Jeu de données"] == "Événements"
    assert row.at["events", "Lignes"] == str(events)
    assert row.at["events", "Sources"] == "Rapport d'activité 2023 PMA"
    assert row.at["events", "Dernier chargement"] == "jamais"
    assert row.at["solar_production", "dont démonstration"] == f"{demo:,}".replace(",", "\u202f")
    assert row.at["solar_production", "Communes couvertes"] == "150 / 150"
    assert len(at.get("plotly_chart")) == 1  # the completeness heatmap


def test_staff_password_gates_the_upload_and_an_import_shows_up(writable_db, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = open_page()
    assert len(at.get("file_uploader")) == 0
    at.text_input(key="staff_password").input("mauvais")
    at.button[[b.label for b in at.button].index("Se connecter")].click()
    at.run()
    assert "Mot de passe incorrect." in [e.value for e in at.error]
    assert len(at.get("file_uploader")) == 0

    at.text_input(key="staff_password").input(PASSWORD)
    at.button[[b.label for b in at.button].index("Se connecter")].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("file_uploader")) == 1
    assert PASSWORD not in texts(at)

    at.selectbox(key="import_dataset").set_value("events")
    at.get("file_uploader")[0].set_value(("evenements.csv", (FIX / "events_ok.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="import_go").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success][0].startswith("**evenements\\.csv** : 6 lignes chargées")
    with duckdb.connect(str(writable_db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM events WHERE source LIKE 'Import evenements.csv%'").fetchall() == [(6,)]
        assert c.execute("SELECT status, rows_loaded FROM imports").fetchall() == [("chargé", 6)]
    # The history and the catalogue show it on the next run.
    at.run()
    (history,) = [d.value for d in at.dataframe if "Statut" in d.value.columns]
    assert list(history["Statut"]) == ["chargé"]
    assert list(history["Fichier"]) == ["evenements.csv"]


def test_a_refused_upload_lists_the_reasons_as_text(writable_db, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = open_page()
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[[b.label for b in at.button].index("Se connecter")].click()
    at.run()
    at.selectbox(key="import_dataset").set_value("events")
    at.get("file_uploader")[0].set_value(("dates.csv", (FIX / "events_bad_dates.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="import_go").click()
    at.run()
    error = at.error[0].value
    assert error.startswith("**dates\\.csv : Fichier refusé : 8 erreurs sur 5 lignes\\. Rien n'a été chargé\\.**")
    # Escaped Markdown: the values show literally.
    assert "- ligne 2, date\\_debut : « 31/02/2025 » n'est pas une date" in error
