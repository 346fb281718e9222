"""The staff side's door: nginx asks it (auth_request) about each request that needs the staff
credentials, and it answers 204 (let through) or 401 (ask again).

It checks the HTTP basic credentials against the htpasswd file (crypt hashes, as nginx does
through the system's crypt) under the app's own throttle (`auth.Throttle`: two mistypes cost
nothing, then each failure doubles the wait, and ten in a row lock the address out for 15
minutes), and writes each failure and lockout to the access log staff read on /donnees
(`auth.AccessLog`). nginx's own auth_basic let a password be guessed as fast as the rate limit
allowed (2 a second, 172 800 a day per address), with no lockout and its failures only in
nginx's error log (t15i finding 2).

A credential found right is remembered for its address (a digest, for REMEMBER seconds), so a
page load's dozens of requests cost one crypt, not one each; an address that must wait is refused
before that.

    python deploy/gate.py --port 9000 --htpasswd staff.htpasswd --log acces_personnel.log
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecotransition.ui import auth  # noqa: E402

with warnings.catch_warnings():   # deprecated in 3.11, still the system's own scheme (write_htpasswd)
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402

REMEMBER = 300.0   # seconds


class Gate:
    """The decisions, apart from HTTP (unit-tested): `decide(authorization, client)` -> 204 or 401."""

    def __init__(self, htpasswd: Path, log: auth.AccessLog, throttle: auth.Throttle, clock=time.time):
        self.htpasswd, self.log, self.throttle, self.clock = Path(htpasswd), log, throttle, clock
        self._known: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _users(self) -> dict[str, str]:
        try:
            lines = self.htpasswd.read_text(encoding="utf-8").splitlines()
        except OSError:
            return {}
        return dict(line.split(":", 1) for line in lines if ":" in line and not line.startswith("#"))

    def _matches(self, user: str, password: str) -> bool:
        stored = self._users().get(user)
        if not stored or not stored.startswith("$"):   # crypt schemes only ($6$ … as write_htpasswd)
            return False
        return hmac.compare_digest(crypt.crypt(password, stored) or "", stored)

    def decide(self, authorization: str | None, client: str) -> int:
        now = self.clock()
        if not authorization or not authorization.startswith("Basic "):
            return 401   # a browser's first request carries none: no failure
        if self.throttle.wait(client, now) > 0:
            return 401   # refused unchecked, as the app's login does, remembered or not
        # Per address: a credential another address got right is no shortcut for this one.
        digest = hashlib.sha256(f"{client}\n{authorization}".encode("utf-8", "replace")).digest()
        with self._lock:
            if self._known.get(digest, 0.0) > now:
                return 204
        try:
            user, _, password = base64.b64decode(authorization[6:], validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if user and self._matches(user, password):
            self.throttle.succeeded(client)
            with self._lock:
                self._known = {k: t for k, t in self._known.items() if t > now}
                self._known[digest] = now + REMEMBER
            return 204
        failures, _ = self.throttle.failed(client, now)
        locked = failures >= self.throttle.lockout_after
        # Never the name or password tried: only that it failed, and how many times in a row.
        self.log.write(client, "verrouillage (côté personnel)" if locked else "échec d'identification (côté personnel)",
                       f"{failures} échec(s) de suite", now=now)
        return 401


def unusable_accounts(htpasswd: Path) -> list[str]:
    """The users of an htpasswd file whose hash this door cannot check (MD5 « $apr1$ », « {SHA} »…)."""
    try:
        lines = Path(htpasswd).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        user, sep, stored = line.partition(":")
        if sep and not line.startswith("#") and (not stored.startswith("$") or stored.startswith("$apr1$")
                                                   or crypt.crypt("x", stored) in (None, "*0", "*1")):
            out.append(user)
    return out


def serve(port: int, gate: Gate) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802 (http.server's name)
            status = gate.decide(self.headers.get("Authorization"), self.headers.get("X-Real-IP") or "?")
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Ecotransition Artois - personnel", charset="UTF-8"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):   # nginx's access log has each request already
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--htpasswd", type=Path, required=True)
    ap.add_argument("--log", type=Path, required=True)
    args = ap.parse_args(argv)
    gate = Gate(args.htpasswd, auth.AccessLog(args.log), auth.throttle_for(os.environ))
    serve(args.port, gate).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
