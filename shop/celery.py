"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered; and
`publish_quietly`, the way a request hands work to it."""

import logging
import os

from celery import Celery
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# What a publish raises when the broker is down, refuses or times out.
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)


def publish_quietly(task, *args, **kwargs) -> bool:
    """Enqueue `task(*args, **kwargs)` without retrying; False, and a warning in the log,
    when the broker is unreachable. For request paths: with the short broker timeouts in
    settings (CELERY section) a shopper never waits on Redis, and what the task would do
    must be done anyway later (a beat task, the next nightly run).

    The result is not kept: no request reads it, and asking for it would have the request
    subscribe to the result backend first (Redis again, with its own reconnect loop)."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False, ignore_result=True)
    except BROKER_ERRORS:
        logger.warning("broker unreachable: %s not enqueued", task.name, exc_info=True)
        return False
    return True
