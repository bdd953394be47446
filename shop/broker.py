"""Handing work to Celery without ever failing or stalling the request that asks.

Whatever a task does must already be recorded in the database (an outbox row, a refund
marked as requested) before it is enqueued: the task is only the fast path. If the broker is
unreachable the publish fails within the short timeouts set in settings (CELERY section),
is logged, and the beat sweeper that reads those rows does the work a minute later. So a
shopper whose order committed always gets their page, whatever state Redis is in.
"""

import logging
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from shop.celery import app

logger = logging.getLogger(__name__)

# What a publish raises when the broker is down, refuses or times out.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)


def enqueue(task_name: str, *args, **kwargs) -> bool:
    """Publish the task `task_name(*args, **kwargs)`; False (and a warning in the log) when
    the broker is unreachable. Tasks are named, not imported, so a service never imports its
    own tasks module (which imports the service).

    The result is not kept: no request reads it, and asking for it would have the request
    subscribe to the result backend first — Redis again, behind a reconnect loop of its own
    that waits, then raises what no caller expects."""
    try:
        app.tasks[task_name].apply_async(args=args, kwargs=kwargs, retry=False, ignore_result=True)
    except BROKER_ERRORS:
        logger.warning("broker unreachable: %s%r not enqueued; the sweeper will pick it up", task_name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """`enqueue` once the current transaction commits, so a worker never runs before the rows it needs exist."""
    transaction.on_commit(partial(enqueue, task_name, *args, **kwargs))
