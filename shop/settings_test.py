"""Test settings: the real settings with fast, isolated overrides."""

import os

os.environ.setdefault("DEBUG", "true")

from shop.settings import *  # noqa: E402,F403
from shop.settings import REDIS_URL  # noqa: E402

# Unit tests never wait on a worker; the real-worker tests start their own processes.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if not REDIS_URL:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/tandem-test-media"))  # noqa: F405
# Static files come from the finders in tests; no collected folder is needed (nor warned about).
STATIC_ROOT = None
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
