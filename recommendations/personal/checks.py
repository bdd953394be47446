"""System checks: a guest's "Recently viewed" needs its middleware.

Without `RecentlyViewedMiddleware` a guest's views are recorded on the request and never
written, so the block silently stays empty for every guest.
"""

from django.conf import settings
from django.core import checks

MIDDLEWARE = "recommendations.personal.middleware.RecentlyViewedMiddleware"


@checks.register()
def check_recently_viewed_middleware(app_configs, **kwargs):
    if MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        checks.Warning(
            f"{MIDDLEWARE} is not in MIDDLEWARE: guests' recently viewed products are never kept.",
            hint="Add it to MIDDLEWARE (anywhere: it only acts on the response).",
            id="personal.W001",
        )
    ]
