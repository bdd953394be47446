"""Settings of the Celery worker and beat processes the real-stack tests start
(DJANGO_SETTINGS_MODULE=tests.realstack.worker_settings): the production settings plus what
only these tests need, each switched on by an environment variable the test gives the
process it starts. None of it exists in shop/settings.py.

- COPURCHASE_BEAT_SECONDS: beat runs the nightly refresh every N seconds instead.
- COPURCHASE_TEST_BUILD_DELAY: a refresh in this worker pauses N seconds mid-build, long
  enough to kill the worker there (slow_build.py does it; production code has no hook).
- COPURCHASE_TEST_SHARD_DELAY (with COPURCHASE_TEST_SHARD_MARKS, a folder): each co-purchase
  shard this worker counts pauses N seconds first and leaves marks (slow_shard.py).
- COPURCHASE_TEST_VISIBILITY_TIMEOUT: Redis hands a task taken by a dead worker to another
  after N seconds (checked every second), instead of the production settings' minutes.
- FOLLOWUPS_TEST_OUTBOX: e-mail is written to files in that folder, which the follow-up
  test reads back.
"""

import os

from shop.settings import *  # noqa: F403
from shop.settings import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, INSTALLED_APPS, env

COPURCHASE_BEAT_SECONDS = env.int("COPURCHASE_BEAT_SECONDS", default=0)
if COPURCHASE_BEAT_SECONDS:
    CELERY_BEAT_SCHEDULE = {
        **CELERY_BEAT_SCHEDULE,
        "refresh-recommendations-nightly": {
            **CELERY_BEAT_SCHEDULE["refresh-recommendations-nightly"],
            "schedule": COPURCHASE_BEAT_SECONDS,
        },
    }

COPURCHASE_TEST_BUILD_DELAY = env.float("COPURCHASE_TEST_BUILD_DELAY", default=0.0)
if COPURCHASE_TEST_BUILD_DELAY:
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.realstack.slow_build.SlowBuildConfig"]

COPURCHASE_TEST_SHARD_DELAY = env.float("COPURCHASE_TEST_SHARD_DELAY", default=0.0)
COPURCHASE_TEST_SHARD_MARKS = env("COPURCHASE_TEST_SHARD_MARKS", default="")
if COPURCHASE_TEST_SHARD_MARKS:
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.realstack.slow_shard.SlowShardConfig"]

if "COPURCHASE_TEST_VISIBILITY_TIMEOUT" in os.environ:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": env.int("COPURCHASE_TEST_VISIBILITY_TIMEOUT"),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if "FOLLOWUPS_TEST_OUTBOX" in os.environ:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["FOLLOWUPS_TEST_OUTBOX"]},
        }
    }
