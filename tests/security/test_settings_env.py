"""Settings from the environment: a fresh clone works after `make`, production refuses
placeholders, proxy headers only behind a proxy, and the deploy check stays clean.

Each test starts a fresh Python: settings are read once per process.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = secrets.token_urlsafe(64)
# Variables a developer's shell or CI may have set that would hide what is tested.
CLEARED = (
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "ENV_FILE", "BEHIND_PROXY", "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the root conftest for Playwright; the deploy check rightly refuses it
)


def run(args, *, cwd=ROOT, **env):
    base = {key: value for key, value in os.environ.items() if key not in CLEARED}
    base.setdefault("ENV_FILE", "/nonexistent/.env")
    return subprocess.run(
        args, cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=120, check=False
    )


def manage(*args, cwd=ROOT, **env):
    return run([sys.executable, "manage.py", *args], cwd=cwd, **env)


def setting(name, **env):
    code = f"import shop.settings as settings; print(repr(getattr(settings, {name!r}, None)))"
    result = run([sys.executable, "-c", code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory):
    """The project's files as a clone has them: no .env, no database, no virtualenv."""
    target = tmp_path_factory.mktemp("clone") / "tandem"
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "media", "staticfiles", "test-results", "db.sqlite3*", ".env", "__pycache__", ".bench"
        ),
    )
    return target


def test_manage_py_on_a_fresh_clone_works_once_make_has_written_the_env_file(fresh_clone):
    before = manage("check", cwd=fresh_clone, ENV_FILE=str(fresh_clone / ".env"))
    assert before.returncode != 0 and "SECRET_KEY" in before.stderr and "make run" in before.stderr

    made = run(["make", "-s", ".env"], cwd=fresh_clone)
    assert made.returncode == 0, made.stderr
    env_file = (fresh_clone / ".env").read_text()
    assert "DEBUG=true" in env_file
    secret = next(line.split("=", 1)[1] for line in env_file.splitlines() if line.startswith("SECRET_KEY="))
    assert len(secret) >= 50

    after = manage("check", cwd=fresh_clone, ENV_FILE=str(fresh_clone / ".env"))
    assert after.returncode == 0, after.stderr

    run(["make", "-s", ".env"], cwd=fresh_clone)
    assert (fresh_clone / ".env").read_text() == env_file  # written once, never replaced


def test_the_env_file_is_ignored_by_git():
    result = run(["git", "check-ignore", "-q", ".env"])
    assert result.returncode == 0


def test_a_copied_env_example_refuses_to_start_until_filled_in():
    example = str(ROOT / ".env.example")
    empty_secret = manage("check", ENV_FILE=example)
    assert empty_secret.returncode != 0 and "SECRET_KEY" in empty_secret.stderr

    no_hosts = manage("check", ENV_FILE=example, SECRET_KEY=REAL_SECRET)
    assert no_hosts.returncode != 0 and "ALLOWED_HOSTS is empty" in no_hosts.stderr

    filled = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        ENV_FILE=example, SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="shop.example", SITE_URL="https://shop.example",
        EMAIL_HOST="smtp.example",
    )
    assert filled.returncode == 0, filled.stderr


@pytest.mark.parametrize("placeholder", ["change-me", "x" * 60, "too-short"])
def test_production_refuses_a_placeholder_secret(placeholder):
    result = manage("check", DEBUG="false", SECRET_KEY=placeholder, ALLOWED_HOSTS="shop.example")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_the_deploy_check_is_clean_with_real_values():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="false", SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="shop.example"
    )
    assert result.returncode == 0, result.stderr


def test_the_proxy_https_header_is_believed_only_behind_a_proxy():
    production = {"DEBUG": "false", "SECRET_KEY": REAL_SECRET, "ALLOWED_HOSTS": "shop.example"}
    assert setting("SECURE_PROXY_SSL_HEADER", **production) == "None"
    assert setting("SECURE_PROXY_SSL_HEADER", BEHIND_PROXY="true", **production) == "('HTTP_X_FORWARDED_PROTO', 'https')"
