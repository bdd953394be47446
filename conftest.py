"""Root pytest configuration: browser launch options for the system Chromium."""

import os

import pytest

# The sync Playwright API keeps an event loop running in the main thread for the whole
# session; without this Django raises SynchronousOnlyOperation in tests and the live server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Real-stack tests run only with --realstack; browser tests need Chromium: skipped
    loudly without it, and a failure in CI."""
    if not config.getoption("--realstack"):
        skip = pytest.mark.skip(reason="real-stack test: run with --realstack (see .ci/run)")
        for item in items:
            if "realstack" in item.keywords:
                item.add_marker(skip)
    if os.path.exists(CHROMIUM):
        return
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI: Chromium not found at {CHROMIUM}; browser tests cannot be skipped in CI.")
    reason = f"Chromium not found at {CHROMIUM}: browser tests SKIPPED"
    config.issue_config_time_warning(pytest.PytestWarning(reason), stacklevel=2)
    print(f"\n*** WARNING: {reason} ({len(browser_items)} tests) ***\n")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_addoption(parser):
    parser.addoption(
        "--realstack",
        action="store_true",
        default=False,
        help="run the tests marked realstack (PostgreSQL + Redis + real Celery processes)",
    )


def pytest_configure(config):
    if config.getoption("--realstack"):
        if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
            raise pytest.UsageError("--realstack needs DATABASE_URL (postgres) and REDIS_URL")
