"""Settings of the Celery worker and beat processes the real-stack tests start
(DJANGO_SETTINGS_MODULE=tests.realstack.worker_settings): the production settings plus what
only these tests need, each switched on by an environment variable the test gives the
process it starts. None of it exists in shop/settings.py.

- COPURCHASE_BEAT_SECONDS: beat runs the nightly refresh every N seconds instead.
- COPURCHASE_TEST_BUILD_DELAY: a refresh in this worker pauses N seconds mid-build, long
  enough to kill the worker there (slow_build.py does it; production code has no hook).
- FOLLOWUPS_TEST_OUTBOX: e-mail is written to files in that folder, which the follow-up
  test reads back.
"""

import os

from shop.settings import *  # noqa: F403
from shop.settings import CELERY_BEAT_SCHEDULE, INSTALLED_APPS, env

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

if "FOLLOWUPS_TEST_OUTBOX" in os.environ:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["FOLLOWUPS_TEST_OUTBOX"]},
        }
    }
