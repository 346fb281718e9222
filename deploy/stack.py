"""Start the public deployment on this machine: nginx in front of N read-only Streamlit replicas
and one staff instance, all reading the same database file.

    python deploy/stack.py [--replicas 2] [--public-port 8080] [--staff-port 8081] [--listen 127.0.0.1]
                           [--db data/ecotransition.duckdb] [--run-dir deploy/run]

- Public side (http://LISTEN:PUBLIC_PORT): replicas started with ECOTRANSITION_ROLE=public (no
  upload, no login, no restore on /donnees) and the smallest upload size; nginx refuses
  /_stcore/upload_file and /_stcore/metrics, sets framing headers and keeps each browser on one
  replica (cookie `eco_replica`).
- Staff side (http://LISTEN:STAFF_PORT): the same app with upload and restore behind the staff
  password (ECOTRANSITION_ADMIN_PASSWORD, at least 12 characters) or OIDC. nginx asks HTTP basic
  authentication for every request there (user `personnel` with the staff password, or the
  htpasswd file of crypt hashes named by ECOTRANSITION_STAFF_HTPASSWD; neither: the staff side is
  closed), so that no session, upload or websocket reaches the staff instance without it. The
  credentials are checked by deploy/gate.py under the app's throttle (growing wait, lockout, each
  failure in the access log shown on /donnees); nginx limits the request rate per address and
  sets an HttpOnly cookie the staff status is bound to.
- ECOTRANSITION_FRAME_ANCESTORS: space-separated origins allowed to embed the public pages
  (communes' websites), e.g. "https://www.villedelens.fr"; default: this site only.

The replicas and the staff instance listen on 127.0.0.1 only (their metrics endpoint and
upload route are never reachable from outside). An import on the staff side swaps the file
atomically; every replica sees the new file on its next query. Ctrl-C (or SIGTERM) stops all.
Exit status 1 with a French message when a part does not start.
"""

from __future__ import annotations

import argparse
import errno
import grp
import gzip
import hashlib
import os
import re
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecotransition.core.paths import db_path  # noqa: E402
from ecotransition.ui import auth  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gate  # noqa: E402
import warm  # noqa: E402  (deploy/warm.py)

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STAFF_USER = "personnel"


def worker_user() -> tuple[str, str] | None:
    """(user, group) for nginx's workers when started as root (Debian's www-data), else None."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, grp.getgrgid(entry.pw_gid).gr_name
    return None


def write_htpasswd(path: Path, password: str | None) -> None:
    """The staff side's credentials: user `personnel` with the staff password (SHA-512 crypt, which
    deploy/gate.py checks through the system's crypt), or no user at all (the staff side stays
    closed). Readable by the stack's own user only: nginx's workers no longer read it."""
    lines = ""
    if password and auth.password_problem(password) is None:
        import warnings
        with warnings.catch_warnings():   # deprecated in 3.11, still the system's own scheme
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        lines = f"{STAFF_USER}:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))}\n"
    path.unlink(missing_ok=True)   # a previous run's file is read-only
    path.write_text(lines, encoding="utf-8")
    path.chmod(0o400)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def worker_dir(run: Path) -> Path:
    """Where nginx's workers write their buffers and read the staff credentials. Started as root,
    they run as www-data, which may not cross the folders above the run directory (a 0700
    temporary folder, a home): then a folder of their own in /tmp."""
    user = worker_user()
    if user is None:
        return run
    path = Path(tempfile.mkdtemp(prefix="ecotransition-nginx-"))
    path.chmod(0o711)
    shutil.chown(path, *user)
    return path


# Files that do not shrink by a tenth (fonts in woff2, images) are served as they are.
_GZIP_GAIN = 0.9


def frontend_copy(workers: Path) -> Path:
    """A copy of Streamlit's frontend build (the `static/` files every page loads), each
    compressible file beside its gzip version, for nginx to serve itself (`gzip_static`).

    A new phone's first visit of the home page fetches 124 of them, 9.4 MB (3.0 MB compressed):
    served by the replicas, that cost them 0.25 s of CPU a phone, eight times the page's own run,
    uncompressed over the room's Wi-Fi (bench/bench_assets.py). In the workers' folder because
    nginx's workers may not read the Python installation (root's home). Made once per Streamlit
    build when the workers' folder is the run folder (an older build's copy is removed), at
    each start when it is a fresh one (started as root); about 2 s for 25 MB. The mark of a
    finished copy lies beside it, not among the files served."""
    import streamlit as st_package
    source = Path(st_package.__file__).parent / "static" / "static"
    files = {path: path.stat() for path in sorted(source.rglob("*")) if path.is_file()}
    # The version alone would keep a rebuilt frontend's old copy: its new hashed files would be 404s.
    fingerprint = hashlib.sha256("\n".join(f"{path.relative_to(source)} {st.st_size} {st.st_mtime_ns}"
                                           for path, st in files.items()).encode()).hexdigest()[:12]
    target = workers / f"frontend-{st_package.__version__}-{fingerprint}"
    done = target.with_name(target.name + ".complete")
    if done.exists() and target.is_dir():   # a mark whose copy a cleaner removed: made again
        return target
    for stale in workers.glob("frontend-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    try:
        for path, st in files.items():
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            out.write_bytes(data)
            # The installed file's date, not the copy's: the same Last-Modified and ETag after a restart.
            dated = (st.st_mtime_ns, st.st_mtime_ns)
            packed = gzip.compress(data, 9, mtime=0)
            if len(packed) < _GZIP_GAIN * len(data):
                out.with_name(out.name + ".gz").write_bytes(packed)
                os.utime(out.with_name(out.name + ".gz"), ns=dated)
            os.utime(out, ns=dated)
        for path in [target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        done.touch()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)   # no half copy left on a full disk
        raise
    return target


# An origin a commune's site is served from: scheme and host name (no wildcard, no path), maybe a port.
_ORIGIN = re.compile(r"https?://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?")


def frame_ancestors(environ: dict) -> tuple[list[str], list[str]]:
    """The origins ECOTRANSITION_FRAME_ANCESTORS allows to embed the public pages, and the entries
    ignored (said at start): separated by spaces or commas; only plain origins — `https://*`, a
    path, a quote or a character nginx would read (`$`, `\\`) let any site in, or broke the
    configuration (t15i finding 5)."""
    kept, ignored = [], []
    for entry in re.split(r"[\s,]+", str(environ.get("ECOTRANSITION_FRAME_ANCESTORS", "")).strip()):
        if not entry:
            continue
        origin = entry.rstrip("/").lower()
        (kept if _ORIGIN.fullmatch(origin) else ignored).append(origin if _ORIGIN.fullmatch(origin) else entry)
    return list(dict.fromkeys(kept)), ignored


def public_headers(ancestors: str, indent: int) -> str:
    """The public side's security headers, as nginx lines: the server's, and again in a location
    that sets headers of its own (nginx then drops the server's)."""
    lines = [f'add_header Content-Security-Policy "frame-ancestors \'self\'{" " + ancestors if ancestors else ""}" always;',
             # X-Frame-Options cannot name other sites: with an allow-list, browsers follow the CSP.
             None if ancestors else 'add_header X-Frame-Options "SAMEORIGIN" always;',
             'add_header X-Content-Type-Options "nosniff" always;',
             'add_header Referrer-Policy "strict-origin-when-cross-origin" always;']
    return "\n".join(" " * indent + line for line in lines if line)


def render(run: Path, listen: str, public_port: int, staff_port: int, replica_ports: list[int],
           staff_app_port: int, environ: dict, proxy_secret: str = "",
           workers: Path | None = None, gate_port: int = 0, frontend: Path | None = None) -> str:
    """The nginx configuration for these ports (see nginx.conf.template). `frontend`: the folder
    `frontend_copy` made (default: the workers' `frontend`)."""
    ancestors = " ".join(frame_ancestors(environ)[0])
    workers = workers or run
    user = worker_user()
    values = {
        "USER": f"user {user[0]} {user[1]};" if user else "",
        "PROXY_SECRET": proxy_secret,
        "GATE_PORT": str(gate_port),
        "RUN": str(run),
        "WORKER_DIR": str(workers),
        "LISTEN": listen,
        "PUBLIC_PORT": str(public_port),
        "STAFF_PORT": str(staff_port),
        "STAFF_APP_PORT": str(staff_app_port),
        "REPLICAS": "\n".join(f"        server 127.0.0.1:{p};" for p in replica_ports),
        "PUBLIC_HEADERS": public_headers(ancestors, 8),
        "PUBLIC_HEADERS_STATIC": public_headers(ancestors, 12),
        "STAFF_RATE": "2r/s",
        "STAFF_MAX_BODY": "210m",
        "FRONTEND": str(frontend or workers / "frontend"),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


PUBLIC_MAX_MESSAGE_MB = 4


def streamlit(port: int, role: str, env: dict, log: Path, proxy_secret: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    if role == "public":
        # No file, and no websocket message over 4 MB (Streamlit's default: 200 MB kept in memory
        # per message): a viewer's own messages are widget states of a few hundred bytes, and the
        # largest page sends under 0.5 MB at scale 16 (bench/load_ws.py).
        args += ["--server.maxUploadSize", "0", "--server.maxMessageSize", str(PUBLIC_MAX_MESSAGE_MB)]
    return subprocess.Popen(args, cwd=ROOT, env={**env, auth.ROLE_ENV: role, auth.TRUSTED_PROXY_ENV: proxy_secret},
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, seconds: float = 90) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def wait_listening(port: int, seconds: float = 30) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not port_free("127.0.0.1", port):
            return True
        time.sleep(0.2)
    return False


# Ctrl-C, a service manager's stop, the terminal closed: each stops the whole stack.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Stack:
    """The running processes; `stop()` ends them all (nginx first, so no request is cut midway)."""

    def __init__(self, run: Path, public_url: str, staff_url: str, procs: list[subprocess.Popen],
                 nginx: subprocess.Popen | None, replica_ports: list[int], staff_app_port: int, workers: Path,
                 db: Path, gate: subprocess.Popen | None = None):
        self.run, self.public_url, self.staff_url, self.workers, self.db = run, public_url, staff_url, workers, db
        self.procs, self.nginx, self.gate = procs, nginx, gate   # procs: the Streamlit instances
        self.replica_ports, self.staff_app_port = replica_ports, staff_app_port

    @property
    def replica_urls(self) -> list[str]:
        """Each public replica's own address (on loopback, not through nginx)."""
        return [f"http://127.0.0.1:{port}" for port in self.replica_ports]

    def stop(self) -> None:
        """Also for a start that failed midway: whatever has started is stopped. A second Ctrl-C or
        stop signal meanwhile is ignored: it used to cut this short and leave the workers' folder
        (the frontend copy and the staff credentials) behind (t15n finding 1)."""
        held = {}
        if threading.current_thread() is threading.main_thread():   # where Python runs handlers
            held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
        try:
            started = [p for p in [self.nginx, *self.procs, self.gate] if p is not None]
            for p in started:
                if p.poll() is None:
                    p.terminate()
            for p in started:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
            if self.workers != self.run:
                shutil.rmtree(self.workers, ignore_errors=True)
        finally:
            for sig, handler in held.items():
                signal.signal(sig, handler)


def start(replicas: int = 2, public_port: int = 8080, staff_port: int = 8081, listen: str = "127.0.0.1",
          db: Path | None = None, run: Path | None = None, environ: dict | None = None,
          warm_up: bool = True) -> Stack:
    """Start nginx, the replicas and the staff instance; raise RuntimeError (French) on failure.

    `warm_up`: open every public page once on each replica before returning (deploy/warm.py), so
    that the first viewers find its caches built."""
    env = dict(os.environ if environ is None else environ)
    db = Path(db or db_path()).resolve()
    env["ECOTRANSITION_DB"] = str(db)
    run = Path(run or ROOT / "deploy" / "run").resolve()
    run.mkdir(parents=True, exist_ok=True)
    for port in (public_port, staff_port):
        if not port_free(listen, port):
            raise RuntimeError(f"Le port {port} est déjà utilisé sur {listen} : arrêtez l'autre service "
                               "ou choisissez un autre port (--public-port, --staff-port).")
    for entry in frame_ancestors(env)[1]:
        print(f"Attention : ECOTRANSITION_FRAME_ANCESTORS : « {entry} » ignoré (une origine comme "
              "https://www.villedelens.fr, sans joker ni chemin).", file=sys.stderr)
    password = env.get(auth.PASSWORD_ENV) or None
    problem = auth.password_problem(password)
    if problem:
        print(f"Attention : le mot de passe du personnel est refusé ({problem}) ; l'import reste désactivé "
              "côté personnel.", file=sys.stderr)
    proxy_secret = secrets.token_hex(16)
    public_url = f"http://{listen}:{public_port}"
    env.setdefault("ECOTRANSITION_PUBLIC_URL", public_url)
    replica_ports = [free_port() for _ in range(replicas)]
    staff_app_port, gate_port = free_port(), free_port()
    workers = worker_dir(run)
    procs: list[subprocess.Popen] = []
    # Every process started so far, so that a failure or a Ctrl-C at any step stops them all and
    # removes the workers' folder (a full disk during the frontend copy left 4 processes holding
    # their ports and the staff credentials' copy behind: t15m finding 1).
    stack = Stack(run, public_url, f"http://{listen}:{staff_port}", procs, None, replica_ports, staff_app_port,
                  workers, db)
    try:
        if not env.get("ECOTRANSITION_STAFF_HTPASSWD"):
            write_htpasswd(workers / "staff.htpasswd", password)
            if not password or problem:
                print("Côté personnel fermé : ni mot de passe valable ni ECOTRANSITION_STAFF_HTPASSWD.",
                      file=sys.stderr)
        if not db.is_file():   # built once here, not by several replicas at the same time
            subprocess.run([sys.executable, "-m", "ecotransition.build", "--db", str(db)], cwd=ROOT, env=env,
                           check=True)
        for i, p in enumerate(replica_ports):
            procs.append(streamlit(p, "public", env, run / f"replica-{i + 1}.log", proxy_secret))
        procs.append(streamlit(staff_app_port, "staff", env, run / "staff.log", proxy_secret))
        # The staff side's door (deploy/gate.py): the credentials under the app's throttle, its
        # failures in the access log the staff instance shows on /donnees.
        htpasswd = env.get("ECOTRANSITION_STAFF_HTPASSWD") or workers / "staff.htpasswd"
        for user in gate.unusable_accounts(Path(htpasswd)):
            print(f"Attention : le compte « {user} » de {htpasswd} n'a pas un hachage crypt (htpasswd -B ou "
                  "openssl passwd -6) : il ne pourra pas se connecter.", file=sys.stderr)
        stack.gate = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "gate.py"), "--port", str(gate_port), "--htpasswd", str(htpasswd),
             "--log", str(auth.log_path(db, env))], cwd=ROOT, env=env, stdout=(run / "gate.log").open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True)
        frontend = frontend_copy(workers)   # while the replicas start
        conf = run / "nginx.conf"
        conf.write_text(render(run, listen, public_port, staff_port, replica_ports, staff_app_port, env,
                               proxy_secret=proxy_secret, workers=workers, gate_port=gate_port,
                               frontend=frontend), encoding="utf-8")
        conf.chmod(0o600)   # it holds the proxy's secret
        stack.nginx = subprocess.Popen([NGINX, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log"),
                                        "-g", "daemon off;"], stdout=(run / "nginx.out").open("ab"),
                                       stderr=subprocess.STDOUT, start_new_session=True)
        for port in [*replica_ports, staff_app_port]:
            if not wait_http(f"http://127.0.0.1:{port}/_stcore/health"):
                raise RuntimeError(f"Une instance Streamlit (port {port}) n'a pas démarré : voir {run}.")
        if not wait_listening(gate_port):
            raise RuntimeError(f"La porte du côté personnel (deploy/gate.py) n'a pas démarré : voir {run / 'gate.log'}.")
        if not wait_http(public_url + "/_stcore/health", 20) or stack.nginx.poll() is not None:
            raise RuntimeError(f"nginx n'a pas démarré : voir {run / 'error.log'}.")
        if warm_up:
            for url in warm.warm(stack.replica_urls, warm.public_pages(db)):
                print(f"Attention : la page {url} n'a pas pu être préparée ; elle le sera à sa première visite.",
                      file=sys.stderr)
    except BaseException:
        stack.stop()
        raise
    return stack


_SYSTEM_ERRORS = {
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota de disque est atteint",
    errno.EROFS: "le disque est en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EMFILE: "trop de fichiers ouverts",
}


def system_error(exc: OSError) -> str:
    """An OSError in French: what failed and where (the nearest folder that still exists, since a
    failed start removes what it made)."""
    reason = _SYSTEM_ERRORS.get(exc.errno, f"erreur système {exc.errno} ({exc.strerror or exc})")
    if not exc.filename:
        return reason
    place = Path(exc.filename)
    while not place.exists() and place != place.parent:
        place = place.parent
    return f"{reason} (dans {place})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--public-port", type=int, default=8080)
    ap.add_argument("--staff-port", type=int, default=8081)
    ap.add_argument("--listen", default="127.0.0.1", help="adresse d'écoute de nginx (0.0.0.0 : toutes)")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--run-dir", type=Path)
    ap.add_argument("--no-warm-up", action="store_true",
                    help="ne pas ouvrir chaque page publique une fois sur chaque réplique avant de rendre la main")
    args = ap.parse_args(argv)
    if not Path(NGINX).exists():
        print("nginx est introuvable : apt-get install -y nginx", file=sys.stderr)
        return 1
    # SIGTERM (a service manager's stop) and SIGHUP (the terminal closed) as Ctrl-C from the start
    # on: either used to kill this process alone and leave the others running (during the start,
    # whose warm-up takes half a minute, and for SIGHUP at any time: t15n finding 2).
    for stop_signal in STOP_SIGNALS - {signal.SIGINT}:
        signal.signal(stop_signal, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        stack = start(args.replicas, args.public_port, args.staff_port, args.listen, args.db, args.run_dir,
                      warm_up=not args.no_warm_up)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:   # a full disk, a folder that cannot be written: everything is stopped
        print(f"Démarrage impossible : {system_error(exc)}. Rien n'est resté lancé.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"Public : {stack.public_url}  ({args.replicas} réplique(s))\nPersonnel : {stack.staff_url}\n"
          f"Journaux : {stack.run}\nCtrl-C pour arrêter.", flush=True)
    watcher = warm.Watcher(stack.replica_urls, stack.db)
    try:
        while all(p.poll() is None for p in [stack.nginx, *stack.procs, stack.gate]):
            time.sleep(1)
            for url in watcher.poll() or ():
                print(f"Attention : la page {url} n'a pas pu être préparée après le changement de la base.",
                      file=sys.stderr)
        print("Un processus s'est arrêté : arrêt de l'ensemble.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
