"""Tandem settings, read from the environment (and an optional `.env`) by django-environ.

Every default lives here. Development needs no environment beyond the `.env` that `make`
writes once (DEBUG=true and a random SECRET_KEY): SQLite, Celery tasks executed in-process,
local-memory cache and console e-mail. Production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; DEBUG defaults to false so that a forgotten
variable never serves a debug page to the public.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file (django-environ only sets what is missing).
ENV_FILE = Path(env("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE)

# GENERAL
DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-not-for-production")
else:
    # In production the secret has no default, and a placeholder is refused, so a missing
    # or copied-over value fails at start instead of signing sessions with a known key.
    SECRET_KEY = env("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or "change-me" in SECRET_KEY or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable to a random value of 50 characters or more "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))'). For development, "
            "`make run` writes a .env with DEBUG=true and a random key; see README."
        )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])


def _filled_in(name: str, value: str) -> str:
    """A production value left empty (as .env.example ships them) stops the start."""
    if not DEBUG and not value:
        raise ImproperlyConfigured(f"{name} is empty: fill it in (see .env.example).")
    return value


_filled_in("ALLOWED_HOSTS", ",".join(ALLOWED_HOSTS))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
SITE_NAME = env("SITE_NAME", default="Tandem")
SITE_URL = _filled_in("SITE_URL", env("SITE_URL", default="http://127.0.0.1:8000"))

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "catalog",
    "catalog.reviews",
    "shop.addons",
    "shop.offers",
    "shop.cart",
    "shop.orders",
    "shop.checkout",
    "shop.payments",
    "shop.accounts",
    "shop.demo",
    "shop.security",
    "shop.operations",
    "recommendations",
    "recommendations.copurchase",
    "recommendations.measurement",
    "recommendations.followups",
    "recommendations.personal",
    # The JSON API (Django Ninja: "ninja" serves the docs page's scripts from our static files).
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Under /api/ only: the caller's user and session (token, session header or cookie) for
    # everything after it, CSRF for cookie writes, JSON errors. See api/clients.py.
    "api.middleware.ApiClientMiddleware",
    # After authentication: a signed-in customer's holdout group follows them across devices.
    "recommendations.measurement.middleware.HoldoutMiddleware",
    # Writes a guest's "Recently viewed" cookie after the page (no session needed for it).
    "recommendations.personal.middleware.RecentlyViewedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Answers 429 before a rate-limited view runs (see ABUSE AND LIMITS).
    "shop.security.middleware.RateLimitMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the shop's 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.site",
                "shop.cart.context_processors.cart_summary",
            ],
        },
    },
]

# DATABASES
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the dev server and an in-process Celery task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "shop.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
            "TIMEOUT": 60 * 60,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tandem"}}

# AUTHENTICATION
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:orders"
LOGOUT_REDIRECT_URL = "home"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# SESSIONS
# Cached DB sessions: one cache read per request, the database only on a miss.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# STATIC AND MEDIA
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Behind a real web server media is served by it; this switch lets Django serve it
# (the dev server, gunicorn in a demo).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: anything larger is refused by the image validators.
MAX_UPLOAD_IMAGE_BYTES = env.int("MAX_UPLOAD_IMAGE_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-MAIL (Django 6.1 MAILERS)
# Development prints e-mail to the console; production sends through SMTP.
EMAIL_BACKEND_PATH = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_smtp_options = {
    "host": env("EMAIL_HOST", default="localhost"),
    "port": env.int("EMAIL_PORT", default=25),
    "username": env("EMAIL_HOST_USER", default=""),
    "password": env("EMAIL_HOST_PASSWORD", default=""),
    "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _filled_in("EMAIL_HOST", _smtp_options["host"])
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": _smtp_options if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tandem <shop@tandem.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SECURITY
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Behind a reverse proxy (nginx, a load balancer) that sets X-Forwarded-Proto and appends the
# client's address to X-Forwarded-For. Only then are those headers believed: without a proxy
# a client could send them itself, to pass as HTTPS or to dodge the per-IP rate limits.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# How many proxies append to X-Forwarded-For; the client is that many entries from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_FAILURE_VIEW = "shop.security.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# CELERY
# Without Redis the tasks run in-process (eager); with it, a real worker and beat.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task never holds up a request: no publish retries, short socket timeouts, and
# shop.broker.enqueue logs a failure instead of raising (the outbox sweeper, or the next
# nightly run, catches up). Celery's defaults retry a publish for about 19 seconds, then
# raise: a 500 for an order that exists.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # kombu's own reconnect loop when publishing (about 6 s against a refused port by default)
    "max_retries": 0,
    "socket_connect_timeout": 2,
    # above the worker's 1 s BRPOP poll, well below a shopper's patience
    "socket_timeout": 5,
    # A task taken by a worker that then died (acks_late: never acknowledged) goes back to
    # the queue this long after it was taken. Longer than any task runs and any countdown
    # (a longer one would be handed out twice); shorter than COPURCHASE_LOCK_SECONDS, so a
    # co-purchase shard lost with its worker is counted again while its run holds the lease.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60),
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# HOUSEKEEPING (beat, nightly at HOUSEKEEPING_HOUR; the deletes go in batches, see
# shop/operations/housekeeping.py): expired sessions; guests' carts untouched for
# CART_IDLE_DAYS; raw recommendation events and visitors older than MEASUREMENT_RAW_DAYS,
# deleted once their daily counts are kept (the dashboard reads those for older days). The
# curation health report reads 30 days of clicks, so fewer than 31 raw days is refused.
HOUSEKEEPING_HOUR = env.int("HOUSEKEEPING_HOUR", default=4)
CART_IDLE_DAYS = env.int("CART_IDLE_DAYS", default=30)
MEASUREMENT_RAW_DAYS = env.int("MEASUREMENT_RAW_DAYS", default=60)
if MEASUREMENT_RAW_DAYS < 31:
    raise ImproperlyConfigured("MEASUREMENT_RAW_DAYS must be 31 or more (the health report reads 30 days of clicks).")
RECOMMENDATIONS_REFRESH_HOUR = env.int("RECOMMENDATIONS_REFRESH_HOUR", default=3)
RECOMMENDATIONS_REFRESH_MINUTE = env.int("RECOMMENDATIONS_REFRESH_MINUTE", default=0)
# Every periodic task, here only. The task names are the registered ones (a task that moved
# module keeps its old name, see recommendations/copurchase/tasks.py).
CELERY_BEAT_SCHEDULE = {
    "refresh-recommendations-nightly": {
        "task": "recommendations.tasks.refresh_copurchase",
        "schedule": crontab(hour=RECOMMENDATIONS_REFRESH_HOUR, minute=RECOMMENDATIONS_REFRESH_MINUTE),
    },
    "followups-post-purchase": {
        "task": "recommendations.followups.tasks.send_post_purchase_emails",
        "schedule": crontab(minute=15),
    },
    "followups-abandoned-carts": {
        "task": "recommendations.followups.tasks.send_abandoned_cart_emails",
        "schedule": crontab(minute="*/30"),
    },
    "followups-review-requests": {
        "task": "recommendations.followups.tasks.send_review_request_emails",
        "schedule": crontab(minute=45),
    },
    # Daily, in the morning: a due e-mail stays due for a week (followups.selectors.LATE_LIMIT_DAYS).
    "followups-upgrade-offers": {
        "task": "recommendations.followups.tasks.send_upgrade_offer_emails",
        "schedule": crontab(hour=10, minute=20),
    },
    "followups-restock": {
        "task": "recommendations.followups.tasks.send_restock_emails",
        "schedule": crontab(hour=10, minute=40),
    },
    # Enforces RECOMMENDATIONS_ATTRIBUTION_DAYS on cart lines (see measurement.services).
    "measurement-expire-rec-origins": {
        "task": "recommendations.measurement.tasks.expire_rec_origins",
        "schedule": crontab(minute=5),
    },
    # HOUSEKEEPING, each night after the refresh: see that section.
    "housekeeping-expired-sessions": {
        "task": "shop.operations.tasks.clear_expired_sessions",
        "schedule": crontab(hour=HOUSEKEEPING_HOUR, minute=10),
    },
    "housekeeping-idle-carts": {
        "task": "shop.cart.tasks.delete_idle_carts",
        "schedule": crontab(hour=HOUSEKEEPING_HOUR, minute=20),
    },
    "housekeeping-measurement-history": {
        "task": "recommendations.measurement.tasks.keep_measurement_history",
        "schedule": crontab(hour=HOUSEKEEPING_HOUR, minute=30),
    },
}

# SHOP
# Discounts the cart applies, in this order (deal price → bundle → voucher → points): each a
# dotted path to a function `f(*, lines, context) -> list[shop.cart.pricing.Adjustment]`, so
# the cart imports no other app.
CART_DISCOUNT_PROVIDERS = env.list(
    "CART_DISCOUNT_PROVIDERS",
    default=[
        "shop.offers.pricing.deal_adjustments",
        "recommendations.bundles.cart_discounts",
        "shop.offers.pricing.voucher_adjustments",
        "shop.offers.pricing.points_adjustments",
    ],
)
CURRENCY = "GBP"
CURRENCY_SYMBOL = "£"
FREE_SHIPPING_THRESHOLD = Decimal(env("FREE_SHIPPING_THRESHOLD", default="50.00"))
SHIPPING_FLAT_RATE = Decimal(env("SHIPPING_FLAT_RATE", default="4.95"))
MAX_LINE_QUANTITY = 99
PRODUCTS_PER_PAGE = 24

# ABUSE AND LIMITS
# Failed logins (django-axes): after LOGIN_FAILURE_LIMIT failures for one account, or from
# one client address, logins are refused (even with the right password) until
# LOGIN_COOLOFF_MINUTES have passed since the last failure; the shop's 429 page says so.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_LOCKOUT_CALLABLE = "shop.security.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "shop.security.clientip.client_ip"
# Only failures are kept (AccessAttempt); successful logins are not logged with IP and agent.
AXES_DISABLE_ACCESS_LOG = True
# A success must not wipe the failures: with per-IP lockout an attacker holding one account
# could otherwise reset their address's count between guesses at other accounts.
AXES_RESET_ON_SUCCESS = False
# No start-up banner on every manage.py command; failures are still logged (as warnings).
AXES_VERBOSE = False
# Requests per client address ("ip") and per visitor ("session": the signed-in customer, or
# the browser session when there is one) in a fixed window: "30/m", "5/h". Only POSTs count
# (the pages that show the forms are never limited); the limit is checked before the view
# runs, so a refused request changes nothing. Every view of a group shares its counters.
# Counters live in the default cache: with Redis they are shared by every worker (without
# it, each process counts alone). If the cache fails the request is let through.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "cart_add": {
        "views": [
            "cart:add",
            "cart:add-service",
            "recommendations:add",
            "recommendations:add-fbt",
            "recommendations:add-bundle",
            "recommendations:upgrade-line",
            "offers:points-apply",
        ],
        "ip": "60/m",
        "session": "30/m",
    },
    # Entering a voucher code: tight, so nobody can guess codes (the personal ones are random).
    "voucher": {"views": ["offers:voucher-apply", "offers:voucher-remove"], "ip": "30/h", "session": "15/h"},
    # The details step names the address that order and reminder e-mails go to.
    "checkout_details": {"views": ["checkout:start"], "ip": "30/h", "session": "15/h"},
    # Every order sends a confirmation quoting what was typed: the e-mails one visitor can cause.
    "checkout_place": {"views": ["checkout:place"], "ip": "10/h", "session": "5/h"},
    "signup": {"views": ["accounts:signup"], "ip": "10/h", "session": "5/h"},
    # "email": per address asked for, so nobody can fill a stranger's inbox from many addresses.
    "password_reset": {"views": ["accounts:password_reset"], "ip": "10/h", "session": "5/h", "email": "3/h"},
}
RATELIMIT_ENABLE = RATE_LIMITS_ENABLED
RATELIMIT_IP_META_KEY = "shop.security.clientip.client_ip"
RATELIMIT_FAIL_OPEN = True
RATELIMIT_CACHE_PREFIX = "rl:"
# Cart caps: different products in one cart (each product at most MAX_LINE_QUANTITY).
MAX_CART_LINES = env.int("MAX_CART_LINES", default=50)
# At most one abandoned-cart reminder per address in this many days, however many carts.
FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS = env.int("FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS", default=7)

# RECOMMENDATIONS (placements; the statistics engine has its own section)
RECOMMENDATIONS_PRODUCT_PAGE_LIMIT = env.int("RECOMMENDATIONS_PRODUCT_PAGE_LIMIT", default=3)
RECOMMENDATIONS_CART_LIMIT = env.int("RECOMMENDATIONS_CART_LIMIT", default=4)
RECOMMENDATIONS_CHECKOUT_LIMIT = env.int("RECOMMENDATIONS_CHECKOUT_LIMIT", default=3)
RECOMMENDATIONS_SHIPPING_FILLERS = env.int("RECOMMENDATIONS_SHIPPING_FILLERS", default=3)
# An upgrade costs more, but at most this factor of the current price (1.60 = +60%).
RECOMMENDATIONS_UPGRADE_MAX_FACTOR = Decimal(env("RECOMMENDATIONS_UPGRADE_MAX_FACTOR", default="1.60"))
# "Cheap" add-ons offered at checkout cost at most this.
RECOMMENDATIONS_ADDON_MAX_PRICE = Decimal(env("RECOMMENDATIONS_ADDON_MAX_PRICE", default="15.00"))
RECOMMENDATIONS_CACHE_TIMEOUT = env.int("RECOMMENDATIONS_CACHE_TIMEOUT", default=60 * 60 * 6)
# A bundle never takes more than this share off its set's current price (50 = the set costs
# at least half), however its discount was set and whatever the prices did since.
BUNDLE_MAX_DISCOUNT_PERCENT = Decimal(env("BUNDLE_MAX_DISCOUNT_PERCENT", default="50"))

# REVIEWS
REVIEWS_PER_PAGE = env.int("REVIEWS_PER_PAGE", default=5)
# The signed link in the "How was it?" e-mail lets a guest review for this many days.
REVIEW_LINK_MAX_AGE_DAYS = env.int("REVIEW_LINK_MAX_AGE_DAYS", default=60)

# Personal blocks (recommendations.selectors.personal): "Recently viewed" shows this many of
# the RECOMMENDATIONS_RECENTLY_VIEWED_KEEP kept per visitor; "Recommended for you", "Inspired by
# your orders" and the first visit's best sellers this many.
RECOMMENDATIONS_RECENTLY_VIEWED_LIMIT = env.int("RECOMMENDATIONS_RECENTLY_VIEWED_LIMIT", default=6)
RECOMMENDATIONS_RECENTLY_VIEWED_KEEP = env.int("RECOMMENDATIONS_RECENTLY_VIEWED_KEEP", default=20)
# A guest's views are kept in a signed cookie this long after their last new view.
RECOMMENDATIONS_RECENTLY_VIEWED_COOKIE_DAYS = env.int("RECOMMENDATIONS_RECENTLY_VIEWED_COOKIE_DAYS", default=180)
RECOMMENDATIONS_PERSONAL_LIMIT = env.int("RECOMMENDATIONS_PERSONAL_LIMIT", default=4)
# A purchase or a view counts half as much for "Recommended for you" after this many days.
RECOMMENDATIONS_PERSONAL_HALF_LIFE_DAYS = env.float("RECOMMENDATIONS_PERSONAL_HALF_LIFE_DAYS", default=45)
# "Upgrade what you own": offered for a product bought this many days ago (home page and one
# e-mail), and on the home page for this many days after that.
RECOMMENDATIONS_UPGRADE_AFTER_DAYS = env.int("RECOMMENDATIONS_UPGRADE_AFTER_DAYS", default=120)
RECOMMENDATIONS_UPGRADE_OFFER_DAYS = env.int("RECOMMENDATIONS_UPGRADE_OFFER_DAYS", default=60)

# CHECKOUT AND ORDERS
# The bank-transfer payment provider shows these on the confirmation page and e-mail.
SHOP_BANK_DETAILS = {
    "account_name": env("SHOP_BANK_ACCOUNT_NAME", default="Tandem Shop Ltd"),
    "sort_code": env("SHOP_BANK_SORT_CODE", default="00-00-00"),
    "account_number": env("SHOP_BANK_ACCOUNT_NUMBER", default="00000000"),
}

# RECOMMENDATIONS: measurement and follow-ups
# Share of visitors kept in the control group that never sees a recommendation (0.10 = 10%).
RECOMMENDATIONS_HOLDOUT_SHARE = env.float("RECOMMENDATIONS_HOLDOUT_SHARE", default=0.10)
# Changing the salt reshuffles everyone into new groups (a new experiment).
RECOMMENDATIONS_HOLDOUT_SALT = env("RECOMMENDATIONS_HOLDOUT_SALT", default="holdout-2026")
# A guest keeps their visitor key and group this long (a signed cookie), across sessions.
RECOMMENDATIONS_VISITOR_COOKIE_DAYS = env.int("RECOMMENDATIONS_VISITOR_COOKIE_DAYS", default=365)
# A purchase is credited to a recommendation added to the cart at most this many days before.
RECOMMENDATIONS_ATTRIBUTION_DAYS = env.int("RECOMMENDATIONS_ATTRIBUTION_DAYS", default=7)
# Below this many orders in either group the dashboard says the sample is too small to tell.
RECOMMENDATIONS_MIN_SAMPLE = env.int("RECOMMENDATIONS_MIN_SAMPLE", default=30)
FOLLOWUP_POST_PURCHASE_DAYS = env.int("FOLLOWUP_POST_PURCHASE_DAYS", default=14)
# Per-category delays, by category slug, e.g. FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY="coffee=7;tea=5"
FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY = env.dict(
    "FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY", cast={"value": int}, default={}
)
FOLLOWUP_ABANDONED_CART_HOURS = env.int("FOLLOWUP_ABANDONED_CART_HOURS", default=24)
# "How was it?": the request for a review, this many days after dispatch.
FOLLOWUP_REVIEW_REQUEST_DAYS = env.int("FOLLOWUP_REVIEW_REQUEST_DAYS", default=10)

# RECOMMENDATIONS: co-purchase
# Score: size-weighted co-count, each order weighing 1/(size-1)^γ (see recommendations/copurchase/scoring.py).
# SIZE_GAMMA and POPULARITY_ALPHA are the default setting: each full refresh back-tests a grid around
# it on its newest orders and keeps it unless another wins by more than one standard error (tuning.py).
# The window: the last WINDOW_DAYS of orders, reaching back further until it holds at least
# WINDOW_MIN_ORDERS counted orders (a quiet shop, an imported history: see refresh_window).
COPURCHASE_WINDOW_DAYS = env.int("COPURCHASE_WINDOW_DAYS", default=365)
COPURCHASE_WINDOW_MIN_ORDERS = env.int("COPURCHASE_WINDOW_MIN_ORDERS", default=20_000)
COPURCHASE_MIN_PAIR_COUNT = env.int("COPURCHASE_MIN_PAIR_COUNT", default=2)
COPURCHASE_TOP_K = env.int("COPURCHASE_TOP_K", default=20)
COPURCHASE_SIZE_GAMMA = env.float("COPURCHASE_SIZE_GAMMA", default=0.5)
COPURCHASE_POPULARITY_ALPHA = env.float("COPURCHASE_POPULARITY_ALPHA", default=0.0)
# Refuse a snapshot whose hit-rate@3 on the orders placed since the live one's window ended (which neither
# was built from) falls more than this share below the live one's; RECENT_ORDERS of them at most.
COPURCHASE_QUALITY_MAX_DROP = env.float("COPURCHASE_QUALITY_MAX_DROP", default=0.2)
COPURCHASE_QUALITY_RECENT_ORDERS = env.int("COPURCHASE_QUALITY_RECENT_ORDERS", default=5000)
COPURCHASE_QUALITY_MIN_QUERIES = env.int("COPURCHASE_QUALITY_MIN_QUERIES", default=50)
# A refresh's lease lapses this long after its last heartbeat (renewed every third of it
# while the refresh runs), so a refresh killed mid-build holds up the next one this long.
COPURCHASE_LEASE_SECONDS = env.int("COPURCHASE_LEASE_SECONDS", default=60)
# The sharded refresh's lease, held across its Celery chord (no one process to renew it).
COPURCHASE_LOCK_SECONDS = env.int("COPURCHASE_LOCK_SECONDS", default=30 * 60)
# A refresh that finds the lease taken tries again when it lapses (at most this often),
# for up to BUSY_GIVE_UP_SECONDS after it was requested.
COPURCHASE_BUSY_RETRY_SECONDS = env.int("COPURCHASE_BUSY_RETRY_SECONDS", default=60)
COPURCHASE_BUSY_GIVE_UP_SECONDS = env.int("COPURCHASE_BUSY_GIVE_UP_SECONDS", default=2 * 60 * 60)
COPURCHASE_KEEP_SNAPSHOTS = env.int("COPURCHASE_KEEP_SNAPSHOTS", default=3)
COPURCHASE_FULL_EVERY_DAYS = env.int("COPURCHASE_FULL_EVERY_DAYS", default=7)
COPURCHASE_SHARD_ORDERS = env.int("COPURCHASE_SHARD_ORDERS", default=250_000)
# The nightly task fans out into a chord above this many orders in the window.
COPURCHASE_SHARD_ABOVE_ORDERS = env.int("COPURCHASE_SHARD_ABOVE_ORDERS", default=2_000_000)
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= COPURCHASE_LOCK_SECONDS:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be shorter than COPURCHASE_LOCK_SECONDS: a shard lost with its worker "
        "is redelivered after the first, and must be counted while its run still holds the lease."
    )

# PAYMENTS
# Card payments go through Stripe Checkout and are offered only when all three keys are set;
# without them the shop takes bank transfers only, as before.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Another address for Stripe's API (the tests' local stand-in); empty: Stripe itself.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Seconds to wait for Stripe (connect, read); the library retries network errors this often.
STRIPE_TIMEOUT = (env.float("STRIPE_CONNECT_TIMEOUT", default=5.0), env.float("STRIPE_READ_TIMEOUT", default=20.0))
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# How long an unpaid order holds its stock. A card order's window is also its Checkout
# session's lifetime (Stripe allows 30 minutes to 24 hours); a bank-transfer order gets a
# reminder e-mail this many hours before its window closes.
CARD_PAYMENT_WINDOW_MINUTES = env.int("CARD_PAYMENT_WINDOW_MINUTES", default=30)
BANK_TRANSFER_PAYMENT_DAYS = env.int("BANK_TRANSFER_PAYMENT_DAYS", default=3)
BANK_TRANSFER_REMINDER_HOURS = env.int("BANK_TRANSFER_REMINDER_HOURS", default=24)
# Order e-mails (the outbox): a row claimed this long ago by a worker that never finished is
# sent again; after this many failed attempts it is left for staff.
ORDER_EMAIL_CLAIM_LEASE_SECONDS = env.int("ORDER_EMAIL_CLAIM_LEASE_SECONDS", default=15 * 60)
ORDER_EMAIL_MAX_ATTEMPTS = env.int("ORDER_EMAIL_MAX_ATTEMPTS", default=8)
PAYMENTS_BEAT_SCHEDULE = {
    "orders-expire-unpaid": {"task": "shop.orders.tasks.expire_unpaid_orders", "schedule": 60.0},
    "orders-payment-reminders": {"task": "shop.orders.tasks.queue_payment_reminders", "schedule": crontab(minute="*/15")},
    # Sends what the broker missed (down at checkout) and what a dead worker left claimed.
    "orders-send-pending-emails": {"task": "shop.orders.tasks.send_pending_order_emails", "schedule": 60.0},
    "payments-retry-refunds": {"task": "shop.payments.tasks.retry_refunds", "schedule": crontab(minute="*/10")},
}
CELERY_BEAT_SCHEDULE |= PAYMENTS_BEAT_SCHEDULE

# API
# The API's cart adds count against the same limits as the pages' "Add to cart" buttons.
RATE_LIMITS["cart_add"]["views"] += [
    "api-v1:cart-add",
    "api-v1:cart-add-fbt",
    "api-v1:cart-add-bundle",
    "api-v1:cart-upgrade-line",
]

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# FRAGMENTS
# Cached page fragments (catalog/fragments.py). Only with a cache all workers share, or in a
# single process (the dev server, tests): see the module's notes.
FRAGMENT_CACHE = env.bool("FRAGMENT_CACHE", default=bool(REDIS_URL) or DEBUG)
FRAGMENT_TIMEOUT = env.int("FRAGMENT_TIMEOUT", default=60 * 60 * 6)
# This process's copies of the fragments it served, in bytes of HTML.
FRAGMENT_LOCAL_BYTES = env.int("FRAGMENT_LOCAL_BYTES", default=48 * 1024 * 1024)
# What else a fragment's key holds, per request: dotted paths of functions
# (request, *, name, args) -> str | None (None: render live for this visitor).
FRAGMENT_VARY = [
    "catalog.reviews.fragments.fragment_vary",
    "recommendations.fragments.fragment_vary",
    "shop.offers.fragments.fragment_vary",
]
