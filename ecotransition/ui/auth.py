"""Who may upload and restore data on /donnees: the staff access settings, without streamlit.

Order of preference: OIDC when Streamlit's `[auth]` secrets are complete (the page then uses
st.login), else a staff password from the environment variable ECOTRANSITION_ADMIN_PASSWORD
or the secret `admin_password`, else nothing (uploads are disabled and the page says how to
enable them). The page passes the secrets and the environment in; nothing here imports
streamlit, so it is tested with plain dicts.
"""

from __future__ import annotations

import hmac
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass

PASSWORD_ENV = "ECOTRANSITION_ADMIN_PASSWORD"
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


def access(secrets: Mapping, environ: Mapping) -> Access:
    """The access mode for these secrets and environment variables."""
    configured, provider = oidc_provider(secrets.get("auth"))
    password = environ.get(PASSWORD_ENV) or secrets.get(PASSWORD_SECRET) or None
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
