"""The staff gate of /donnees (Streamlit glue around `auth`): login, throttle, idle expiry,
binding to the browser, and the access log staff read.

Every decision is taken by `auth` (plain functions, unit-tested); this module only reads the
connection (st.context), keeps the per-process throttle and log, and draws the widgets.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from ecotransition.core import escape
from ecotransition.core.paths import db_path
from ecotransition.ui import auth, store

_LOG = logging.getLogger("ecotransition.staff")
_KEY = "staff"


def _now() -> float:
    return time.time()   # a function, so that tests move this clock only


def throttle() -> auth.Throttle:
    """One throttle per server process: a client's failures count across all its sessions (and no
    client's `clear_cache` message resets it: store.once)."""
    return store.once(("staff.throttle",), lambda: auth.throttle_for(os.environ))


def access_log(path: str) -> auth.AccessLog:
    return store.once(("staff.access_log", path), lambda: auth.AccessLog(path))


def _log() -> auth.AccessLog:
    return access_log(str(auth.log_path(db_path(), os.environ)))


def client() -> str:
    return auth.client_id(dict(st.context.headers), st.context.ip_address, os.environ)


def _binding() -> str | None:
    return auth.binding(dict(st.context.cookies))


def _record(event: str, detail: str = "") -> None:
    who = client()
    _log().write(who, event, detail)
    _LOG.warning("accès personnel : %s (%s) %s", event, who, detail)


def try_password(given: str | None, access: auth.Access, action: str = "connexion") -> bool:
    """Check a password under the throttle; show the French outcome; True when it matches."""
    who, now = client(), _now()
    wait = throttle().wait(who, now)
    if wait > 0:
        st.error(f"Trop d'essais infructueux depuis cette adresse : réessayez dans {_duration(wait)}.")
        return False
    if auth.check_password(given, access.password):
        throttle().succeeded(who)
        _record(f"{action} réussie")
        return True
    failures, wait = throttle().failed(who, now)
    locked = failures >= throttle().lockout_after
    _record("verrouillage" if locked else f"échec de {action}", f"{failures} échec(s) de suite")
    st.error("Mot de passe incorrect."
             + (f" Trop d'essais : accès verrouillé pendant {_duration(wait)} pour cette adresse." if locked
                else f" Prochain essai possible dans {_duration(wait)}." if wait > 0 else ""))
    return False


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


def _password_gate(access: auth.Access) -> bool:
    state = st.session_state.get(_KEY)
    status = auth.staff_status(state if isinstance(state, auth.StaffState) else None, _binding(),
                               _now(), auth.idle_seconds(os.environ))
    if status == "staff":
        state.last = _now()
        if st.button("Se déconnecter", key="staff_logout"):
            del st.session_state[_KEY]
            st.rerun()
        return True
    if status == "expired":
        del st.session_state[_KEY]
        _record("expiration", "inactivité")
        st.warning(f"Session du personnel expirée après {round(auth.idle_seconds(os.environ) / 60)} min "
                   "d'inactivité : reconnectez-vous.")
    elif status == "elsewhere":
        # The session id came from another connection (or the browser lost its cookie): the rights
        # stay with the browser that logged in; this connection must log in itself.
        _record("session présentée sans le cookie du navigateur connecté")
        st.warning("Cette connexion n'est pas celle qui s'est identifiée : connectez-vous.")
    with st.form("staff_login", clear_on_submit=True):
        given = st.text_input("Mot de passe du personnel", type="password", key="staff_password")
        submitted = st.form_submit_button("Se connecter")
    if submitted and try_password(given, access):
        bound = _binding()
        if bound is None:
            st.error("Connexion impossible : le navigateur n'accepte pas les cookies de ce site.")
            return False
        now = _now()
        st.session_state[_KEY] = auth.StaffState(bound, now, now)
        st.rerun()
    return False


def gate(access: auth.Access) -> bool:
    """Login widgets for the configured access mode; True once this browser is staff."""
    if access.note:
        st.warning(escape.markdown(access.note))
    if access.mode == "none":
        if not access.note:   # a refused password says what to do itself
            st.info(auth.HOW_TO_ENABLE)
        return False
    if access.mode == "oidc":
        if not st.user.is_logged_in:
            st.button("Se connecter (compte de l'organisation)", key="oidc_login",
                      on_click=st.login, args=(access.provider,) if access.provider else ())
            return False
        if not auth.is_staff_email(st.user.get("email"), access.staff_emails):
            st.warning("Ce compte n'a pas accès à l'import de données.")
            st.button("Se déconnecter", key="oidc_logout", on_click=st.logout)
            return False
        now, idle = _now(), auth.idle_seconds(os.environ)
        if auth.oidc_status(st.session_state.get(_OIDC_LAST), now, idle) == "expired":
            del st.session_state[_OIDC_LAST]
            _record("expiration", "inactivité (compte de l'organisation)")
            st.warning(f"Session du personnel expirée après {round(idle / 60)} min d'inactivité : reconnectez-vous.")
            st.logout()   # the provider's cookie would otherwise keep this browser staff for days
            return False
        st.session_state[_OIDC_LAST] = now
        st.button("Se déconnecter", key="oidc_logout", on_click=st.logout)
        return True
    return _password_gate(access)


_OIDC_LAST = "staff_oidc_last"   # session key: the last staff activity of an OIDC session


def restore_password(access: auth.Access) -> str | None:
    """A restore replaces every table: with the password, it is asked again (field shown here)."""
    if access.mode != "password":
        return None
    return st.text_input("Mot de passe du personnel (confirmation)", type="password", key="restore_password")


def confirm_restore(access: auth.Access, given: str | None) -> bool:
    """The password asked again before a restore, checked under the throttle; under OIDC a login of
    the last RECENT_LOGIN_SECONDS (else a French message and the way to log in again)."""
    if access.mode == "password":
        return try_password(given, access, action="confirmation de restauration")
    if access.mode == "oidc" and not auth.recent_login(st.user.to_dict(), _now()):
        _record("restauration refusée", "connexion de plus de 5 min (compte de l'organisation)")
        st.error(f"Une restauration demande une connexion de moins de {auth.RECENT_LOGIN_SECONDS // 60} min : "
                 "déconnectez-vous, reconnectez-vous, puis restaurez.")
        st.button("Se déconnecter pour se reconnecter", key="oidc_relogin", on_click=st.logout)
        return False
    return True


def recent_events(n: int = 20) -> list[dict]:
    return _log().recent(n)
