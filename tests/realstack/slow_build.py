"""A slow co-purchase build, for the test that kills a worker in the middle of one.

Installed (as an app, so it runs once Django is set up) only by worker_settings.py when
COPURCHASE_TEST_BUILD_DELAY is set. It wraps the lease renewal the refresh makes between
scoring and writing: there the snapshot is building and nothing live has changed. The
pause keeps renewing the lease, as a slow real build holding it would.
"""

import time

from django.apps import AppConfig
from django.conf import settings


class SlowBuildConfig(AppConfig):
    name = "tests.realstack"
    label = "realstack_slow_build"
    verbose_name = "Real-stack tests: a slow co-purchase build"

    def ready(self):
        from recommendations.copurchase import refresh

        renew = refresh.lease_renew

        def renew_after_a_pause(*, holder: str, seconds: int, **kwargs) -> bool:
            end = time.monotonic() + settings.COPURCHASE_TEST_BUILD_DELAY
            while time.monotonic() < end:
                time.sleep(min(0.5, end - time.monotonic()))
                renew(holder=holder, seconds=seconds, **kwargs)
            return renew(holder=holder, seconds=seconds, **kwargs)

        refresh.lease_renew = renew_after_a_pause
