"""The /donnees page: public catalogue, staff-only import behind a password, history."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import conftest
from conftest import catalogue_shown
from ecotransition.ui import auth

FIX = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "motdepasse-tres-secret"


@pytest.fixture(autouse=True)
def _clicks_reach_the_page(monkeypatch):
    """AppTest resets PagesManager.uses_pages_directory before every run, so store's one-time
    switch to st.navigation mode reruns every AppTest run and swallows button clicks."""
    from ecotransition.ui import store

    monkeypatch.setattr(store, "_leave_pages_directory_mode", lambda: None, raising=False)


@pytest.fixture(autouse=True)
def browser_connection(monkeypatch, request):
    """AppTest has no cookies or client address: each test is one browser (a cookie digest) at
    its own address, so the process-wide throttle does not carry over between tests."""
    from ecotransition.ui import staff

    who = {"binding": "navigateur-1", "client": f"test-{request.node.name}"}
    monkeypatch.setattr(staff, "_binding", lambda: who["binding"])
    monkeypatch.setattr(staff, "client", lambda: who["client"])
    monkeypatch.setenv(auth.LOG_ENV, str(Path(request.getfixturevalue("tmp_path")) / "acces.log"))
    return who


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
    table = catalogue_shown(at)
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
    assert [e.value for e in at.error] == ["Mot de passe incorrect."]
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


def _login(at: AppTest, password: str) -> None:
    at.text_input(key="staff_password").input(password)
    at.button[[b.label for b in at.button].index("Se connecter")].click()
    at.run()


def test_a_short_or_blank_password_is_refused_and_staff_mode_stays_off(writable_db, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, "   ")
    at = open_page()
    assert ("Le mot de passe du personnel configuré est refusé : il ne contient que des espaces\\. L'import et "
            "la restauration restent désactivés : choisissez un mot de passe d'au moins 12 caractères\\."
            in [w.value for w in at.warning])
    assert len(at.text_input) == 0 and len(at.get("file_uploader")) == 0


def test_repeated_failures_are_slowed_locked_and_logged(writable_db, monkeypatch):
    from ecotransition.ui import staff

    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(staff, "_now", lambda: 1_800_000_000.0)   # every try in the same second
    at = open_page()
    errors = []
    for _ in range(3):
        _login(at, "mauvais")
        errors.append(at.error[0].value)
    assert errors == ["Mot de passe incorrect.", "Mot de passe incorrect.",
                      "Mot de passe incorrect. Prochain essai possible dans 2 s."]
    _login(at, PASSWORD)          # the right one, too soon: refused without being checked
    assert at.error[0].value == "Trop d'essais infructueux depuis cette adresse : réessayez dans 2 s."
    assert len(at.get("file_uploader")) == 0
    lines = (writable_db.parent / "acces.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all('"échec de connexion"' in line for line in lines)
    assert PASSWORD not in "".join(lines) and "mauvais" not in "".join(lines)


def test_a_clients_clear_cache_message_does_not_reset_the_throttle(writable_db, monkeypatch):
    # t15i finding 1: any connection may send Streamlit's `clear_cache` message, which empties
    # st.cache_resource and st.cache_data for the whole process: the throttle lived there, so one
    # message between tries started the count over and the lockout was never reached.
    from streamlit.runtime import caching

    from ecotransition.ui import staff

    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(staff, "_now", lambda: 1_800_000_000.0)
    at = open_page()
    errors = []
    for _ in range(3):
        _login(at, "mauvais")
        errors.append(at.error[0].value)
        caching.cache_data.clear()        # what AppSession does on a clear_cache message
        caching.cache_resource.clear()
    assert errors[-1] == "Mot de passe incorrect. Prochain essai possible dans 2 s."
    _login(at, PASSWORD)
    assert at.error[0].value == "Trop d'essais infructueux depuis cette adresse : réessayez dans 2 s."


def test_staff_status_stays_with_the_browser_that_logged_in(writable_db, monkeypatch, browser_connection):
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = open_page()
    _login(at, PASSWORD)
    assert len(at.get("file_uploader")) == 1
    # Another connection presents the same session id without the browser's cookie.
    browser_connection["binding"] = "autre-connexion"
    at.run()
    assert len(at.get("file_uploader")) == 0
    assert "Cette connexion n'est pas celle qui s'est identifiée : connectez-vous." in [w.value for w in at.warning]
    assert "Restaurer" not in [b.label for b in at.button]


def test_staff_status_expires_after_the_idle_period(writable_db, monkeypatch):
    import time

    from ecotransition.ui import staff

    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(auth.IDLE_ENV, "1")
    at = open_page()
    _login(at, PASSWORD)
    assert len(at.get("file_uploader")) == 1
    later = time.time() + 61
    monkeypatch.setattr(staff, "_now", lambda: later)
    at.run()
    assert len(at.get("file_uploader")) == 0
    assert "Session du personnel expirée après 1 min d'inactivité : reconnectez-vous." in [w.value for w in at.warning]


def test_a_restore_asks_the_password_again(writable_db, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    at = open_page()
    _login(at, PASSWORD)
    at.selectbox(key="import_dataset").set_value("events")
    at.get("file_uploader")[0].set_value(("evenements.csv", (FIX / "events_ok.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="import_go").click()
    at.run()
    events = lambda: duckdb.connect(str(writable_db), read_only=True).execute(  # noqa: E731
        "SELECT count(*) FROM events").fetchone()[0]
    after_import = events()
    at.checkbox(key="restore_confirm").check()
    at.run()
    at.text_input(key="restore_password").input("mauvais")
    at.button(key="restore_go").click()
    at.run()
    assert "Mot de passe incorrect." in [e.value for e in at.error]
    assert events() == after_import and not at.success
    at.text_input(key="restore_password").input(PASSWORD)
    at.button(key="restore_go").click()
    at.run()
    assert [s.value for s in at.success][-1].startswith("Base restaurée : état du ")
    assert events() == after_import - 6


def test_a_public_replica_has_no_import_no_login_and_no_refused_values(writable_db, monkeypatch):
    from ecotransition.imports import REFUSED, import_file

    bad = import_file("events", FIX / "events_bad_dates.csv", writable_db)
    assert bad.status == REFUSED and "31/02/2025" in bad.message
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(auth.ROLE_ENV, "public")
    at = open_page()
    assert [t.label for t in at.tabs] == ["Catalogue", "Historique des imports"]
    assert len(at.text_input) == 0 and len(at.get("file_uploader")) == 0
    assert not [w for w in at.warning if "mot de passe" in w.value]   # no staff access to speak of
    (history,) = [d.value for d in at.dataframe if "Statut" in d.value.columns]
    assert list(history.columns) == ["Date", "Jeu de données", "Statut", "Lues", "Chargées", "Rejetées"]
    assert list(history["Statut"]) == ["refusé"]
    assert "31/02/2025" not in texts(at) and "Sauvegardes" not in [s.value for s in at.subheader]


# ------------------------------------------------------------------ OIDC (st.login): idle expiry, fresh login to restore

def oidc_page(monkeypatch, issued_at: float) -> AppTest:
    """/donnees under OIDC, as a staff account that logged in at `issued_at` (the ID token's iat)."""
    monkeypatch.setattr(auth, "access", lambda secrets, environ: auth.Access("oidc"))
    return conftest.open_page("pages/donnees.py", user={"is_logged_in": True, "email": "agent@pma.fr",
                                                         "iat": issued_at})


def test_an_oidc_staff_session_expires_after_the_idle_period(writable_db, monkeypatch):
    # t15i finding 9: the provider's cookie kept a browser staff for as long as it lasted (days), while
    # the password mode ends after ECOTRANSITION_STAFF_IDLE_MINUTES. The same limit now logs it out.
    import time

    from ecotransition.ui import staff

    monkeypatch.setenv(auth.IDLE_ENV, "1")
    now = time.time()
    at = oidc_page(monkeypatch, now)
    assert len(at.get("file_uploader")) == 1
    monkeypatch.setattr(staff, "_now", lambda: now + 30)
    at.run()
    assert len(at.get("file_uploader")) == 1   # active within the minute
    monkeypatch.setattr(staff, "_now", lambda: now + 30 + 61)
    at.run()
    assert len(at.get("file_uploader")) == 0
    assert "Session du personnel expirée après 1 min d'inactivité : reconnectez-vous." in [w.value for w in at.warning]
    assert at.user == {"is_logged_in": False}   # st.logout: the identity cookie is dropped
    assert [e["event"] for e in auth.AccessLog(Path(auth.log_path(writable_db, __import__("os").environ))).recent()][0] \
        == "expiration"


def test_an_oidc_restore_needs_a_login_of_the_last_five_minutes(writable_db, monkeypatch):
    # t15i finding 9: with OIDC a restore was one click away for a browser logged in days ago.
    import time

    now = time.time()
    events = lambda: duckdb.connect(str(writable_db), read_only=True).execute(  # noqa: E731
        "SELECT count(*) FROM events").fetchone()[0]
    at = oidc_page(monkeypatch, now)
    at.selectbox(key="import_dataset").set_value("events")
    at.get("file_uploader")[0].set_value(("evenements.csv", (FIX / "events_ok.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="import_go").click()
    at.run()
    after_import = events()
    old = oidc_page(monkeypatch, now - 600)   # logged in 10 minutes ago
    old.checkbox(key="restore_confirm").check()
    old.run()
    old.button(key="restore_go").click()
    old.run()
    assert [e.value for e in old.error] == ["Une restauration demande une connexion de moins de 5 min : "
                                            "déconnectez-vous, reconnectez-vous, puis restaurez."]
    assert events() == after_import and not old.success
    assert "Se déconnecter pour se reconnecter" in [b.label for b in old.button]
    fresh = oidc_page(monkeypatch, time.time())
    fresh.checkbox(key="restore_confirm").check()
    fresh.run()
    fresh.button(key="restore_go").click()
    fresh.run()
    assert [s.value for s in fresh.success][-1].startswith("Base restaurée : état du ")
    assert events() == after_import - 6
