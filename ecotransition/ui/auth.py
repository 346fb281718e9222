"""Who may upload and restore data on /donnees: the staff access settings, without streamlit.

Order of preference: OIDC when Streamlit's `[auth]` secrets are complete (the page then uses
st.login), else a staff password from the environment variable ECOTRANSITION_ADMIN_PASSWORD
or the secret `admin_password`, else nothing (uploads are disabled and the page says how to
enable them). A password of fewer than 12 characters (blanks not counted) is refused: staff
mode stays off and the page says why. The page passes the secrets, the environment, the
connection's cookies and headers in; nothing here imports streamlit, so it is tested with
plain values.

Around the password: `Throttle` (a growing delay after each failure, then a temporary lockout,
per client), `AccessLog` (failures, lockouts and logins in a file staff read on /donnees),
`binding` (the staff status belongs to the browser that logged in, not to whoever presents
its Streamlit session id) and `staff_status` (idle expiry). `role()` tells a public replica
(no import, no restore, no login) from the staff instance.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import importlib.util
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecotransition.core import clock, escape

PASSWORD_ENV = "ECOTRANSITION_ADMIN_PASSWORD"
ROLE_ENV = "ECOTRANSITION_ROLE"              # 'public' on the read-only replicas
TRUSTED_PROXY_ENV = "ECOTRANSITION_TRUSTED_PROXY"   # the secret our nginx sends (X-Real-IP is then the client)
IDLE_ENV = "ECOTRANSITION_STAFF_IDLE_MINUTES"
LOG_ENV = "ECOTRANSITION_STAFF_LOG"
DELAY_ENV = "ECOTRANSITION_STAFF_DELAY_SECONDS"   # the throttle's first delay (default 2 s, then doubling)
MIN_PASSWORD_LENGTH = 12
IDLE_MINUTES = 15
# The cookie our nginx sets on the staff side (HttpOnly: scripts cannot read it).
CLIENT_COOKIE = "eco_client"
XSRF_COOKIE = "_streamlit_xsrf"
PASSWORD_SECRET = "admin_password"
STAFF_EMAILS_SECRET = "staff_emails"
_OIDC_KEYS = ("client_id", "client_secret", "server_metadata_url")

HOW_TO_ENABLE = (
    "L'import et la restauration sont désactivés : aucun accès du personnel n'est configuré. "
    "Pour les activer, définissez la variable d'environnement `ECOTRANSITION_ADMIN_PASSWORD` "
    "avant de lancer le tableau de bord, ou `admin_password = \"…\"` dans `.streamlit/secrets.toml`, "
    "ou une connexion OIDC (section `[auth]` de `.streamlit/secrets.toml` avec `redirect_uri`, "
    "`cookie_secret`, `client_id`, `client_secret` et `server_metadata_url`)."
)


@dataclass(frozen=True)
class Access:
    mode: str                      # 'oidc', 'password' or 'none'
    provider: str | None = None    # OIDC provider name for st.login (None: the default one)
    password: str | None = None    # the expected staff password (never shown)
    staff_emails: tuple[str, ...] = ()  # with OIDC: who counts as staff (empty: anyone who logs in)
    note: str = ""                 # French remark for the page (e.g. OIDC set up but unusable)

    def __repr__(self) -> str:  # never print the password, even in a traceback
        return f"Access(mode={self.mode!r}, provider={self.provider!r})"


def oidc_provider(auth: Mapping | None) -> tuple[bool, str | None]:
    """(configured, provider) from the `[auth]` secrets section, as st.login understands it."""
    if not isinstance(auth, Mapping) or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return False, None
    if all(auth.get(k) for k in _OIDC_KEYS):
        return True, None
    for name, section in auth.items():
        if isinstance(section, Mapping) and all(section.get(k) for k in _OIDC_KEYS) and "_" not in name:
            return True, str(name)
    return False, None


def password_problem(password) -> str | None:
    """Why a configured staff password is refused (French), or None when it is acceptable."""
    if password is None or str(password) == "":   # not set at all
        return None
    # Characters that show nothing (U+200B, U+2800, U+3164…) count as blanks (t15i finding 6).
    shown = [c for c in str(password) if not c.isspace() and not escape.draws_nothing(c)]
    if not shown:
        return "il ne contient que des espaces" + ("" if not str(password).strip() else " ou des caractères invisibles")
    if len(shown) < MIN_PASSWORD_LENGTH:
        return f"il compte moins de {MIN_PASSWORD_LENGTH} caractères (espaces et caractères invisibles non comptés)"
    return None


def access(secrets: Mapping, environ: Mapping) -> Access:
    """The access mode for these secrets and environment variables."""
    if role(environ) == "public":
        return Access("none", note="")
    configured, provider = oidc_provider(secrets.get("auth"))
    password = environ.get(PASSWORD_ENV) or secrets.get(PASSWORD_SECRET) or None
    problem = password_problem(password)
    if problem:
        refused = (f"Le mot de passe du personnel configuré est refusé : {problem}. ")
        if configured and importlib.util.find_spec("authlib") is not None:
            password = None   # OIDC still works; the weak password is simply ignored
        else:
            return Access("none", note=refused + "L'import et la restauration restent désactivés : "
                          f"choisissez un mot de passe d'au moins {MIN_PASSWORD_LENGTH} caractères.")
    emails = secrets.get(STAFF_EMAILS_SECRET) or ()
    if isinstance(emails, str):
        emails = (emails,)
    emails = tuple(str(e).strip().lower() for e in emails if str(e).strip())
    if configured:
        if importlib.util.find_spec("authlib") is not None:
            return Access("oidc", provider=provider, staff_emails=emails)
        note = ("La connexion OIDC est configurée mais le paquet Authlib manque "
                "(pip install \"Authlib>=1.3.2\") : ")
        if password:
            return Access("password", password=str(password), note=note + "connexion par mot de passe.")
        return Access("none", note=note + "import désactivé.")
    if password:
        return Access("password", password=str(password))
    return Access("none")


def check_password(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty expected password never matches."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(str(given).encode("utf-8"), str(expected).encode("utf-8"))


def is_staff_email(email: str | None, allowed: tuple[str, ...]) -> bool:
    """With OIDC: anyone who logged in, or only the listed addresses when a list is set."""
    if not email:
        return not allowed
    return not allowed or email.strip().lower() in allowed


def role(environ: Mapping) -> str:
    """'public' for a read-only replica (no upload, no login, no restore), else 'staff'."""
    return "public" if str(environ.get(ROLE_ENV, "")).strip().lower() == "public" else "staff"


def idle_seconds(environ: Mapping) -> float:
    """How long staff status survives without activity (ECOTRANSITION_STAFF_IDLE_MINUTES, default 15)."""
    try:
        minutes = float(environ.get(IDLE_ENV, IDLE_MINUTES))
    except ValueError:
        minutes = IDLE_MINUTES
    return max(minutes, 1.0) * 60


def client_id(headers: Mapping, ip: str | None, environ: Mapping) -> str:
    """Who is trying, for the throttle and the log: the client's address.

    Behind our nginx every connection comes from 127.0.0.1; nginx then overwrites X-Real-IP with
    the real address and adds X-Eco-Proxy with the secret it shares with the app
    (ECOTRANSITION_TRUSTED_PROXY, set by deploy/stack.py). X-Real-IP is trusted only with that
    secret: a client, or a local process talking to the app's port directly, could otherwise pick
    its own address and escape the lockout."""
    secret = str(environ.get(TRUSTED_PROXY_ENV, ""))
    if len(secret) >= 16:
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        real, given = lower.get("x-real-ip"), lower.get("x-eco-proxy", "")
        if real and hmac.compare_digest(given.encode(), secret.encode()):
            return real.strip()
    return str(ip) if ip else "adresse inconnue"


def _xsrf_secret(value: str) -> str:
    """The stable part of Streamlit's XSRF cookie ("2|mask|masked token|time": the mask changes
    each time the cookie is set, the unmasked token does not)."""
    try:
        version, mask, masked, _ = value.split("|")
        mask_b, masked_b = binascii.a2b_hex(mask), binascii.a2b_hex(masked)
        if version != "2" or not mask_b:
            return value
        return bytes(b ^ mask_b[i % len(mask_b)] for i, b in enumerate(masked_b)).hex()
    except ValueError:
        return value


def binding(cookies: Mapping) -> str | None:
    """A digest of what this browser holds (our HttpOnly cookie behind nginx, else Streamlit's XSRF
    token): the staff status is kept only while the connection presents the same one. None when
    the connection carries neither (then staff status cannot be bound and is not granted)."""
    for name, read in ((CLIENT_COOKIE, str), (XSRF_COOKIE, _xsrf_secret)):
        value = cookies.get(name)
        if value:
            return hashlib.sha256(f"{name}={read(str(value))}".encode()).hexdigest()
    return None


@dataclass
class StaffState:
    """What a session keeps after a successful login."""
    binding: str
    since: float
    last: float


def staff_status(state: StaffState | None, bound_to: str | None, now: float, idle: float) -> str:
    """'staff', 'none', 'expired' (idle longer than `idle` seconds) or 'elsewhere' (the session id
    presented by a connection that does not hold the browser's cookie)."""
    if state is None:
        return "none"
    if bound_to is None or not hmac.compare_digest(state.binding, bound_to):
        return "elsewhere"
    if now - state.last > idle:
        return "expired"
    return "staff"


# A restore replaces every table: under OIDC it needs a login this recent (the ID token's `iat`),
# as the password mode asks the password again.
RECENT_LOGIN_SECONDS = 300


def oidc_status(last: float | None, now: float, idle: float) -> str:
    """'staff' or 'expired' for an OIDC session whose last staff activity was at `last` (None: this
    session has just logged in or opened the page): the provider's cookie lasts days, the staff
    status no longer than `idle` seconds without activity, as with the password."""
    return "expired" if last is not None and now - last > idle else "staff"


def recent_login(claims: Mapping, now: float, window: float = RECENT_LOGIN_SECONDS) -> bool:
    """Whether the OIDC login whose ID token claims are `claims` (st.user) is at most `window`
    seconds old: its `auth_time` (when the user authenticated) or else `iat` (when the token was
    issued), in seconds since the epoch. No such claim: not recent."""
    for key in ("auth_time", "iat"):
        try:
            when = float(claims.get(key))
        except (TypeError, ValueError):
            continue
        return 0 <= now - when <= window
    return False


@dataclass
class Throttle:
    """Failed logins per client: two mistypes cost nothing, then each failure doubles the wait
    before the next try (2 s, 4 s, 8 s … up to `max_delay`), and `lockout_after` failures in a
    row lock the client out for `lockout_seconds`. A success clears the client; failures older than `forget_after` seconds
    are forgotten. Thread-safe (one instance per server process, shared by every session)."""
    base_delay: float = 1.0
    max_delay: float = 60.0
    lockout_after: int = 10
    lockout_seconds: float = 900.0
    forget_after: float = 3600.0
    _clients: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, client: str, now: float) -> float:
        """Seconds before `client` may try again (0: now)."""
        with self._lock:
            failures, last = self._clients.get(client, (0, 0.0))
            if not failures or now - last > self.forget_after:
                return 0.0
            return max(0.0, last + self._delay(failures) - now)

    def failed(self, client: str, now: float) -> tuple[int, float]:
        """Record a failure: (failures so far, seconds before the next try)."""
        with self._lock:
            failures, last = self._clients.get(client, (0, 0.0))
            failures = 1 if now - last > self.forget_after else failures + 1
            self._clients[client] = (failures, now)
            return failures, self._delay(failures)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    def _delay(self, failures: int) -> float:
        if failures >= self.lockout_after:
            return self.lockout_seconds
        if failures < 3:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** (failures - 2))


class AccessLog:
    """Staff access events, one JSON line each (time, client, event, detail), in a file next to the
    database (or ECOTRANSITION_STAFF_LOG): staff read the latest ones on /donnees. Never the
    password that was tried."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def write(self, client: str, event: str, detail: str = "", now: float | None = None) -> None:
        line = json.dumps({"time": time.time() if now is None else now, "client": client,
                           "event": event, "detail": detail}, ensure_ascii=False)
        with self._lock:
            try:
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
            except OSError:
                pass   # a read-only disk must not lock staff out; the server log still has it

    def recent(self, n: int = 20) -> list[dict]:
        """The `n` latest events, newest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-n:]
        except OSError:
            return []
        out = []
        for line in reversed(lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


def throttle_for(environ: Mapping) -> Throttle:
    """The throttle with the delay setting (ECOTRANSITION_STAFF_DELAY_SECONDS: the wait after the
    third failure in a row, doubling after each further one; default 2 s)."""
    try:
        first = float(environ.get(DELAY_ENV, 2.0))
    except ValueError:
        first = 2.0
    first = max(first, 0.1)
    # The setting is the wait after the third failure even beyond the usual ceiling of a minute.
    return Throttle(base_delay=first / 2, max_delay=max(60.0, first))


def log_path(db: Path, environ: Mapping) -> Path:
    return Path(environ.get(LOG_ENV) or Path(db).with_name("acces_personnel.log"))


EVENT_COLUMNS = ("Date", "Adresse", "Événement", "Détail")


def events_table(events: list[dict]):
    """The access log's latest events as a table (French columns, local time)."""
    import pandas as pd  # only the page that shows the log needs it

    # In Paris time, as the import history beside it (the server's clock may be UTC: t15i finding 7).
    return pd.DataFrame([(clock.paris_time(e.get("time", 0)).strftime("%d/%m/%Y %H:%M:%S"),
                          e.get("client", ""), e.get("event", ""), e.get("detail", "")) for e in events],
                        columns=list(EVENT_COLUMNS))
