"""The fault check (manage.py fault_check) refuses what it can't do, and on the real stack
runs its races to a table of passes."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the SQLite refusal")
def test_the_fault_check_needs_postgresql():
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("fault_check", "--redis-url", "redis://127.0.0.1:1/0", stdout=StringIO())


def test_the_fault_check_refuses_unknown_cases_and_the_configured_database():
    if connection.vendor != "postgresql":
        pytest.skip("checked after the PostgreSQL check")
    with pytest.raises(CommandError, match="Unknown cases: nope"):
        call_command("fault_check", "--redis-url", "redis://127.0.0.1:1/0", "--only", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="must not be the database DATABASE_URL names"):
        call_command(
            "fault_check", "--redis-url", "redis://127.0.0.1:1/0", "--database-name", connection.settings_dict["NAME"],
            stdout=StringIO(),
        )


@pytest.mark.realstack
def test_the_fault_check_runs_the_races_against_gunicorn_and_prints_passes(tmp_path):
    name = f"test_fault_{os.getpid()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "fault_check", "--redis-url",
         os.environ["REDIS_URL"], "--database-name", name, "--only", "last-unit,same-order", "--buyers", "12", "--drop"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.endswith(("PASS", "FAIL"))]
    assert len(rows) == 2 and all(row.endswith("PASS") for row in rows), done.stdout
    assert "12 buyers, last unit" in done.stdout and "1 order (1 confirmed, 11 refused, 0 errors" in done.stdout
