"""Staff access rules (ecotransition.ui.auth): weak passwords refused, throttle and lockout,
binding to the browser, idle expiry, the access log, the public role. Plain values, no server."""

from __future__ import annotations

import json

import pytest

from ecotransition.ui import auth


@pytest.mark.parametrize("password, reason", [
    ("   ", "il ne contient que des espaces"),
    (" \t ", "il ne contient que des espaces"),
    ("court", "il compte moins de 12 caractères (espaces et caractères invisibles non comptés)"),
    ("a b c d e f g h i j k", "il compte moins de 12 caractères (espaces et caractères invisibles non comptés)"),
    # t15i finding 6: characters that show nothing are no password.
    ("\u200b" * 12, "il ne contient que des espaces ou des caractères invisibles"),
    ("\u2800" * 12 + "\u3164" * 3, "il ne contient que des espaces ou des caractères invisibles"),
    ("abcdefghijk\u200b\u200b", "il compte moins de 12 caractères (espaces et caractères invisibles non comptés)"),
])
def test_a_blank_or_short_password_keeps_staff_mode_off(password, reason):
    a = auth.access({}, {auth.PASSWORD_ENV: password})
    assert a.mode == "none" and a.password is None
    assert a.note == (f"Le mot de passe du personnel configuré est refusé : {reason}. L'import et la "
                      "restauration restent désactivés : choisissez un mot de passe d'au moins 12 caractères.")
    assert auth.check_password(password, a.password) is False


def test_an_empty_setting_is_no_password_at_all():
    assert auth.password_problem("") is None and auth.access({}, {auth.PASSWORD_ENV: ""}).note == ""


def test_a_twelve_character_password_is_accepted():
    assert auth.access({}, {auth.PASSWORD_ENV: "abcdefghijkl"}).mode == "password"
    assert auth.password_problem("abcdefghijkl") is None


def test_the_public_role_has_no_staff_access_whatever_is_configured():
    env = {auth.PASSWORD_ENV: "un-mot-de-passe-long", auth.ROLE_ENV: "public"}
    assert auth.role(env) == "public" and auth.access({}, env).mode == "none"
    assert auth.role({}) == "staff" and auth.role({auth.ROLE_ENV: "staff"}) == "staff"


def test_throttle_grows_then_locks_out_per_client():
    t = auth.Throttle()
    now = 1000.0
    waits = [t.failed("203.0.113.7", now)[1] for _ in range(9)]
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert t.wait("203.0.113.7", now + 59) == pytest.approx(1)
    assert t.wait("198.51.100.1", now) == 0            # another client is not slowed
    failures, wait = t.failed("203.0.113.7", now + 60)
    assert (failures, wait) == (10, 900)                # the tenth failure: locked 15 min
    assert t.wait("203.0.113.7", now + 60 + 899) == pytest.approx(1)
    assert t.wait("203.0.113.7", now + 60 + 900) == 0
    t.succeeded("203.0.113.7")
    assert t.wait("203.0.113.7", now + 61) == 0
    # 188 tries in 60 s (the finding): at most the free two and the doubling ones get through.
    t2, tried, clock = auth.Throttle(), 0, 0.0
    while clock < 60:
        if t2.wait("x", clock) == 0:
            t2.failed("x", clock)
            tried += 1
        clock += 60 / 188
    assert tried == 7


def test_the_first_delay_is_a_setting():
    t = auth.throttle_for({auth.DELAY_ENV: "30"})
    assert [t.failed("c", 0.0)[1] for _ in range(4)] == [0, 0, 30, 60]
    assert auth.throttle_for({}).base_delay == 1.0 and auth.throttle_for({auth.DELAY_ENV: "x"}).base_delay == 1.0
    # A setting above the usual one-minute ceiling is still the wait after the third failure (it was cut to 60 s).
    t = auth.throttle_for({auth.DELAY_ENV: "600"})
    assert [t.failed("c", 0.0)[1] for _ in range(4)] == [0, 0, 600, 600]


def test_old_failures_are_forgotten():
    t = auth.Throttle()
    for _ in range(5):
        t.failed("c", 0.0)
    assert t.failed("c", 3601.0) == (1, 0)


def test_client_is_the_proxy_s_real_ip_only_with_the_proxy_s_secret():
    secret = {auth.TRUSTED_PROXY_ENV: "0123456789abcdef0123"}
    through_nginx = {"X-Real-IP": "203.0.113.9", "X-Eco-Proxy": "0123456789abcdef0123"}
    assert auth.client_id(through_nginx, "127.0.0.1", secret) == "203.0.113.9"
    # A local process on the app's own port, or a client without the secret, cannot pick its address.
    assert auth.client_id({"X-Real-IP": "10.0.0.1"}, "127.0.0.1", secret) == "127.0.0.1"
    assert auth.client_id({"X-Real-IP": "10.0.0.1", "X-Eco-Proxy": "devine"}, "127.0.0.1", secret) == "127.0.0.1"
    assert auth.client_id(through_nginx, "127.0.0.1", {}) == "127.0.0.1"
    assert auth.client_id(through_nginx, "127.0.0.1", {auth.TRUSTED_PROXY_ENV: "1"}) == "127.0.0.1"  # too short
    assert auth.client_id({}, None, {}) == "adresse inconnue"


def test_binding_follows_the_browser_cookie_not_the_session_id():
    # Streamlit re-masks its XSRF cookie each time it sets it: the same token, another mask.
    def xsrf(mask: bytes, token: bytes = bytes(range(16))) -> str:
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(token))
        return f"2|{mask.hex()}|{masked.hex()}|1764500000"
    a, b = xsrf(b"\x01\x02\x03\x04"), xsrf(b"\xaa\xbb\xcc\xdd")
    assert a != b and auth.binding({auth.XSRF_COOKIE: a}) == auth.binding({auth.XSRF_COOKIE: b})
    other_browser = xsrf(b"\x01\x02\x03\x04", bytes(range(1, 17)))
    assert auth.binding({auth.XSRF_COOKIE: a}) != auth.binding({auth.XSRF_COOKIE: other_browser})
    # Behind nginx, its HttpOnly cookie wins.
    assert auth.binding({auth.CLIENT_COOKIE: "r1", auth.XSRF_COOKIE: a}) == auth.binding({auth.CLIENT_COOKIE: "r1"})
    assert auth.binding({}) is None


def test_staff_status_binding_and_idle_expiry():
    state = auth.StaffState(binding="b1", since=0.0, last=100.0)
    assert auth.staff_status(None, "b1", 100.0, 900) == "none"
    assert auth.staff_status(state, "b1", 100.0 + 900, 900) == "staff"
    assert auth.staff_status(state, "b1", 100.0 + 901, 900) == "expired"
    assert auth.staff_status(state, "b2", 101.0, 900) == "elsewhere"
    assert auth.staff_status(state, None, 101.0, 900) == "elsewhere"
    assert auth.idle_seconds({}) == 900 and auth.idle_seconds({auth.IDLE_ENV: "5"}) == 300
    assert auth.idle_seconds({auth.IDLE_ENV: "x"}) == 900


def test_access_log_keeps_events_not_passwords(tmp_path):
    log = auth.AccessLog(tmp_path / "acces.log")
    log.write("203.0.113.7", "échec de connexion", "1 échec(s) de suite", now=1.0)
    log.write("203.0.113.7", "verrouillage", "10 échec(s) de suite", now=2.0)
    assert [e["event"] for e in log.recent()] == ["verrouillage", "échec de connexion"]
    assert json.loads((tmp_path / "acces.log").read_text().splitlines()[0])["client"] == "203.0.113.7"
    table = auth.events_table(log.recent())
    assert list(table.columns) == ["Date", "Adresse", "Événement", "Détail"] and len(table) == 2
    # In Paris time, as the import history beside it, whatever the server's zone (t15i finding 7).
    assert list(table["Date"]) == ["01/01/1970 01:00:02", "01/01/1970 01:00:01"]
    summer = auth.events_table([{"time": 1_752_000_000, "client": "x", "event": "e", "detail": ""}])
    assert summer["Date"].iloc[0] == "08/07/2025 20:40:00"
    assert auth.AccessLog(tmp_path / "absent" / "x.log").recent() == []


def test_oidc_idle_status_and_recent_login():
    assert auth.oidc_status(None, 1000.0, 900) == "staff"          # just logged in
    assert auth.oidc_status(100.0, 1000.0, 900) == "staff"
    assert auth.oidc_status(99.0, 1000.0, 900) == "expired"
    assert auth.recent_login({"iat": 1000}, 1300.0)
    assert not auth.recent_login({"iat": 1000}, 1300.5)
    assert auth.recent_login({"auth_time": "1200", "iat": 100}, 1300.0)   # when the user authenticated
    assert not auth.recent_login({"iat": 2000}, 1000.0)            # a token from the future
    assert not auth.recent_login({}, 1000.0) and not auth.recent_login({"iat": "hier"}, 1000.0)
