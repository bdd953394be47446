"""System checks: the RATE_LIMITS setting names views that exist, with rates that parse.

A view renamed by a refactoring would otherwise silently lose its limit.
"""

import re

from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

from .ratelimits import KEY_NAMES

RATE = re.compile(r"^\d+/\d*[smhd]$")


@checks.register(checks.Tags.security)
def check_rate_limits(app_configs, **kwargs):
    errors = []
    for name, rule in settings.RATE_LIMITS.items():
        for view_name in rule.get("views", []):
            try:
                reverse(view_name)
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"RATE_LIMITS[{name!r}] names the view {view_name!r}, which doesn't exist.",
                        hint="Rename it to the view's current URL name.",
                        id="security.E001",
                    )
                )
        for key_name in KEY_NAMES:
            rate = rule.get(key_name)
            if rate is not None and not RATE.match(str(rate)):
                errors.append(
                    checks.Error(
                        f"RATE_LIMITS[{name!r}][{key_name!r}] = {rate!r} is not a rate like '30/m' or '5/h'.",
                        id="security.E002",
                    )
                )
    return errors
