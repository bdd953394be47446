"""A slow co-purchase shard, for the test that kills a worker in the middle of one.

Installed (as an app, so it runs once Django is set up) only by worker_settings.py when
COPURCHASE_TEST_SHARD_DELAY is set. Before counting, a shard writes `<pid>-<shard>` into
COPURCHASE_TEST_SHARD_MARKS (so the test knows which worker holds which shard, and when),
then pauses COPURCHASE_TEST_SHARD_DELAY seconds; after counting it writes `<pid>-<shard>.done`.
"""

import os
import time
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class SlowShardConfig(AppConfig):
    name = "tests.realstack"
    label = "realstack_slow_shard"
    verbose_name = "Real-stack tests: a slow co-purchase shard"

    def ready(self):
        from recommendations.copurchase import tasks

        shard_count = tasks.shard_count
        marks = Path(settings.COPURCHASE_TEST_SHARD_MARKS)

        def shard_count_after_a_pause(*, shard: int, **kwargs):
            mark = marks / f"{os.getpid()}-{shard}"
            mark.touch()
            time.sleep(settings.COPURCHASE_TEST_SHARD_DELAY)
            result = shard_count(shard=shard, **kwargs)
            mark.with_suffix(".done").touch()
            return result

        tasks.shard_count = shard_count_after_a_pause  # looked up at call time by the task
