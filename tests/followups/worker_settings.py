"""Settings for the Celery worker the real-stack follow-up test starts: the real settings,
with e-mail written to files in the folder the test names (the test reads them back)."""

import os

from shop.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ["FOLLOWUPS_TEST_OUTBOX"]},
    }
}
