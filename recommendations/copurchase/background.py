"""Running a database step on a thread of its own, beside the refresh's main work.

A refresh overlaps steps that wait on the database server with steps that compute in
Python: dropping old rows while it counts, writing the raw counts and loading the quality
gate's questions while it scores, building the rows' key while the gate runs. Each such
step runs on its own thread, hence on its own connection (Django gives every thread one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def in_background(function: Callable[..., T], *args, **kwargs) -> Callable[[], T]:
    """Start `function` on a thread with its own database connection; returns the function
    that waits for it and gives its result (or raises what it raised).

    Only on PostgreSQL outside a transaction: another connection sees only committed rows,
    so inside one (tests) the function simply runs inline, here."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # raised by the waiter, as from a thread
            error = exc

            def fail() -> T:
                raise error

            return fail
        return lambda: result
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = function(*args, **kwargs)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run, name="copurchase-writer", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    return wait
