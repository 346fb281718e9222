"""Start the public deployment on this machine: nginx in front of N read-only Streamlit replicas
and one staff instance, all reading the same database file.

    python deploy/stack.py [--replicas 2] [--public-port 8080] [--staff-port 8081] [--listen 127.0.0.1]
                           [--db data/ecotransition.duckdb] [--run-dir deploy/run]

- Public side (http://LISTEN:PUBLIC_PORT): replicas started with ECOTRANSITION_ROLE=public (no
  upload, no login, no restore on /donnees) and the smallest upload size; nginx refuses
  /_stcore/upload_file and /_stcore/metrics, sets framing headers and keeps each browser on one
  replica (cookie `eco_replica`).
- Staff side (http://LISTEN:STAFF_PORT): the same app with upload and restore behind the staff
  password (ECOTRANSITION_ADMIN_PASSWORD, at least 12 characters) or OIDC; nginx limits the
  request rate per address, sets an HttpOnly cookie the staff status is bound to, and adds HTTP
  basic authentication when ECOTRANSITION_STAFF_HTPASSWD names an htpasswd file.
- ECOTRANSITION_FRAME_ANCESTORS: space-separated origins allowed to embed the public pages
  (communes' websites), e.g. "https://www.villedelens.fr"; default: this site only.

The replicas and the staff instance listen on 127.0.0.1 only (their metrics endpoint and
upload route are never reachable from outside). An import on the staff side swaps the file
atomically; every replica sees the new file on its next query. Ctrl-C (or SIGTERM) stops all.
Exit status 1 with a French message when a part does not start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecotransition.core.paths import db_path  # noqa: E402
from ecotransition.ui import auth  # noqa: E402

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(run: Path, listen: str, public_port: int, staff_port: int, replica_ports: list[int],
           staff_app_port: int, environ: dict) -> str:
    """The nginx configuration for these ports (see nginx.conf.template)."""
    ancestors = " ".join(o for o in str(environ.get("ECOTRANSITION_FRAME_ANCESTORS", "")).split()
                         if o.startswith(("https://", "http://")) and '"' not in o and ";" not in o)
    htpasswd = environ.get("ECOTRANSITION_STAFF_HTPASSWD")
    values = {
        "RUN": str(run),
        "LISTEN": listen,
        "PUBLIC_PORT": str(public_port),
        "STAFF_PORT": str(staff_port),
        "STAFF_APP_PORT": str(staff_app_port),
        "REPLICAS": "\n".join(f"        server 127.0.0.1:{p};" for p in replica_ports),
        "FRAME_ANCESTORS": "'self'" + (f" {ancestors}" if ancestors else ""),
        # X-Frame-Options cannot name other sites: with an allow-list, browsers follow the CSP.
        "X_FRAME_HEADER": "" if ancestors else '        add_header X-Frame-Options "SAMEORIGIN" always;',
        "STAFF_RATE": "5r/s",
        "STAFF_MAX_BODY": "210m",
        "STAFF_BASIC_AUTH": (f'        auth_basic "Écotransition Artois — personnel";\n'
                             f"        auth_basic_user_file {htpasswd};") if htpasswd else "",
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def streamlit(port: int, role: str, env: dict, log: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    if role == "public":
        args += ["--server.maxUploadSize", "0"]
    return subprocess.Popen(args, cwd=ROOT, env={**env, auth.ROLE_ENV: role, auth.TRUSTED_PROXY_ENV: "1"},
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


class Stack:
    """The running processes; `stop()` ends them all (nginx first, so no request is cut midway)."""

    def __init__(self, run: Path, public_url: str, staff_url: str, procs: list[subprocess.Popen],
                 nginx: subprocess.Popen, replica_ports: list[int], staff_app_port: int):
        self.run, self.public_url, self.staff_url = run, public_url, staff_url
        self.procs, self.nginx = procs, nginx
        self.replica_ports, self.staff_app_port = replica_ports, staff_app_port

    def stop(self) -> None:
        for p in [self.nginx, *self.procs]:
            if p.poll() is None:
                p.terminate()
        for p in [self.nginx, *self.procs]:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def start(replicas: int = 2, public_port: int = 8080, staff_port: int = 8081, listen: str = "127.0.0.1",
          db: Path | None = None, run: Path | None = None, environ: dict | None = None) -> Stack:
    """Start nginx, the replicas and the staff instance; raise RuntimeError (French) on failure."""
    env = dict(os.environ if environ is None else environ)
    db = Path(db or db_path()).resolve()
    env["ECOTRANSITION_DB"] = str(db)
    run = Path(run or ROOT / "deploy" / "run").resolve()
    run.mkdir(parents=True, exist_ok=True)
    problem = auth.password_problem(env.get(auth.PASSWORD_ENV))
    if problem:
        print(f"Attention : le mot de passe du personnel est refusé ({problem}) ; l'import reste désactivé "
              "côté personnel.", file=sys.stderr)
    public_url = f"http://{listen}:{public_port}"
    env.setdefault("ECOTRANSITION_PUBLIC_URL", public_url)
    if not db.is_file():   # built once here, not by several replicas at the same time
        subprocess.run([sys.executable, "-m", "ecotransition.build", "--db", str(db)], cwd=ROOT, env=env, check=True)
    replica_ports = [free_port() for _ in range(replicas)]
    staff_app_port = free_port()
    procs = [streamlit(p, "public", env, run / f"replica-{i + 1}.log") for i, p in enumerate(replica_ports)]
    procs.append(streamlit(staff_app_port, "staff", env, run / "staff.log"))
    conf = run / "nginx.conf"
    conf.write_text(render(run, listen, public_port, staff_port, replica_ports, staff_app_port, env),
                    encoding="utf-8")
    nginx = subprocess.Popen([NGINX, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log"),
                              "-g", "daemon off;"], stdout=(run / "nginx.out").open("ab"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    stack = Stack(run, public_url, f"http://{listen}:{staff_port}", procs, nginx, replica_ports, staff_app_port)
    for port in [*replica_ports, staff_app_port]:
        if not wait_http(f"http://127.0.0.1:{port}/_stcore/health"):
            stack.stop()
            raise RuntimeError(f"Une instance Streamlit (port {port}) n'a pas démarré : voir {run}.")
    if not wait_http(public_url + "/_stcore/health", 20):
        stack.stop()
        raise RuntimeError(f"nginx n'a pas démarré : voir {run / 'error.log'}.")
    return stack


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--public-port", type=int, default=8080)
    ap.add_argument("--staff-port", type=int, default=8081)
    ap.add_argument("--listen", default="127.0.0.1", help="adresse d'écoute de nginx (0.0.0.0 : toutes)")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--run-dir", type=Path)
    args = ap.parse_args(argv)
    if not Path(NGINX).exists():
        print("nginx est introuvable : apt-get install -y nginx", file=sys.stderr)
        return 1
    try:
        stack = start(args.replicas, args.public_port, args.staff_port, args.listen, args.db, args.run_dir)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Public : {stack.public_url}  ({args.replicas} réplique(s))\nPersonnel : {stack.staff_url}\n"
          f"Journaux : {stack.run}\nCtrl-C pour arrêter.", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        while all(p.poll() is None for p in [stack.nginx, *stack.procs]):
            time.sleep(1)
        print("Un processus s'est arrêté : arrêt de l'ensemble.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
