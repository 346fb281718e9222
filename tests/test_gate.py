"""The staff side's door (deploy/gate.py): HTTP basic credentials checked under the app's throttle,
failures in the access log staff read (t15i finding 2: nginx's auth_basic let a password be guessed
at 2 a second with no lockout and no trace staff could see)."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import gate  # noqa: E402
import stack as deploy  # noqa: E402

from ecotransition.ui import auth  # noqa: E402

PASSWORD = "mot-de-passe-du-personnel"


def basic(password: str, user: str = "personnel") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture()
def door(tmp_path):
    deploy.write_htpasswd(tmp_path / "staff.htpasswd", PASSWORD)
    clock = [1_800_000_000.0]
    g = gate.Gate(tmp_path / "staff.htpasswd", auth.AccessLog(tmp_path / "acces.log"),
                  auth.Throttle(base_delay=30.0), clock=lambda: clock[0])
    return g, clock, tmp_path / "acces.log"


def test_the_right_credentials_pass_and_none_asks_without_a_failure(door):
    g, _, log = door
    assert g.decide(None, "198.51.100.1") == 401              # a browser's first request
    assert g.decide(basic(PASSWORD), "198.51.100.1") == 204
    assert g.decide(basic(PASSWORD), "198.51.100.1") == 204     # remembered: no second crypt needed
    assert g.decide(basic(PASSWORD, "autre"), "198.51.100.1") == 401
    assert g.decide("Basic !!!", "198.51.100.1") == 401
    assert [e["event"] for e in map(json.loads, log.read_text().splitlines())] == [
        "échec d'identification (côté personnel)", "échec d'identification (côté personnel)"]


def test_guesses_are_slowed_then_locked_out_and_logged_without_the_password(door):
    g, clock, log = door
    who = "203.0.113.9"
    assert [g.decide(basic(f"essai-{k}"), who) for k in range(3)] == [401, 401, 401]
    # The third failure sets a 60 s wait (base 30 s doubled): even the right password is refused unchecked.
    assert g.decide(basic(PASSWORD), who) == 401
    assert g.decide(basic(PASSWORD), "198.51.100.1") == 204     # another address is not held back
    assert g.decide(basic(PASSWORD), who) == 401                # nor is its success a shortcut for this one
    for _ in range(7):                                          # each wait over, another wrong one
        clock[0] += 3600 - 1
        assert g.decide(basic("encore-faux"), who) == 401
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["detail"] for e in events][-1] == "10 échec(s) de suite"
    assert events[-1]["event"] == "verrouillage (côté personnel)" and events[-1]["client"] == who
    clock[0] += 60
    assert g.decide(basic(PASSWORD), who) == 401                # locked out for 15 minutes
    clock[0] += 900
    assert g.decide(basic(PASSWORD), who) == 204
    text = log.read_text()
    assert PASSWORD not in text and "essai-" not in text and "encore-faux" not in text


def test_accounts_whose_hash_the_door_cannot_check_are_named(tmp_path):
    f = tmp_path / "h"
    f.write_text("a:$apr1$xyz$abc\nb:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n# note\n"
                 "c:$2y$05$abcdefghijklmnopqrstuuRWUgMyyCUnsDr8evYotXg5ZXVF/HhzS\n")
    assert gate.unusable_accounts(f) == ["a", "b"]
    deploy.write_htpasswd(tmp_path / "ok", PASSWORD)
    assert gate.unusable_accounts(tmp_path / "ok") == []
