"""The processes of the fault check, and its database.

The check creates a database of its own on the PostgreSQL server the settings point at
(dropped and created again on every run), migrates it and points this process's default
connection at it, so everything the cases read and write is there and nowhere else. Every
process it starts (gunicorn, Celery workers) runs in its own session and is stopped by its
PID.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

GUNICORN = Path(sys.executable).with_name("gunicorn")
CELERY = Path(sys.executable).with_name("celery")
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nobody listens on (bound, then released)."""
    return free_port()


@dataclass
class Database:
    """The check's own PostgreSQL database, on the server of the default connection."""

    name: str

    @property
    def params(self) -> dict:
        db = connection.settings_dict
        return {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432), "user": db["USER"] or "postgres",
                "password": db["PASSWORD"] or None}

    @property
    def url(self) -> str:
        p = self.params
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        return f"postgres://{auth}@{p['host']}:{p['port']}/{self.name}"

    def admin_connection(self) -> psycopg.Connection:
        return psycopg.connect(dbname="postgres", autocommit=True, **self.params)

    def create(self) -> None:
        """Drop and create the database, point this process at it and migrate it."""
        connections.close_all()
        with self.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        connection.settings_dict["NAME"] = self.name
        # Closed after each case's reads, as a request would: a case kills connections.
        connection.settings_dict["CONN_MAX_AGE"] = 0
        call_command("migrate", verbosity=0, interactive=False)

    def drop(self) -> None:
        connections.close_all()
        with self.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def terminate_connections(self) -> int:
        """What a PostgreSQL restart does to the app, done to this database's connections only."""
        with self.admin_connection() as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            ).fetchall()
        return len(rows)


@dataclass
class Processes:
    """Every process the check started, stopped at the end whatever happened."""

    log_dir: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def environment(self, *, database: Database, redis_url: str, **extra) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Fifty buyers come from one address: the check is not about rate limits.
            "RATE_LIMITS_ENABLED": "false",
            # Nothing the check causes is e-mailed anywhere.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            **{key: str(value) for key, value in extra.items()},
        }

    def start(self, command: list[str], *, name: str, env: dict) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("a")
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(process)
        return process

    def collect_static(self, env: dict) -> None:
        """DEBUG off serves hashed static names: the manifest must exist."""
        subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR, env=env, check=True,
        )

    def gunicorn(self, *, env: dict, workers: int, threads: int) -> "Server":
        port = free_port()
        process = self.start(
            [str(GUNICORN), "shop.wsgi:application", "--workers", str(workers), "--threads", str(threads),
             "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
             "--timeout", "60", "--log-level", "warning"],
            name="gunicorn", env=env,
        )
        server = Server(process=process, base=f"http://127.0.0.1:{port}")
        server.wait_ready()
        return server

    def celery_worker(self, *, env: dict, name: str) -> subprocess.Popen:
        # The solo pool runs tasks in the worker process itself: its PID is the one to kill.
        return self.start(
            [str(CELERY), "-A", "shop", "worker", "--pool", "solo", "-n", f"{name}-{secrets.token_hex(4)}@%h",
             "-l", "info"],
            name=name, env=env,
        )

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            try:
                self.stop(process)
            except ProcessLookupError:
                pass


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} (see its log)")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer {self.base}/ within {READY_SECONDS} s")

    def worker_pids(self) -> set[int]:
        """gunicorn's workers: a worker that died and was replaced shows as a new PID."""
        pids = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.add(int(entry.name))
        return pids
