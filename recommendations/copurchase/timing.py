"""Seconds spent per stage of a refresh: stored on the snapshot (`Snapshot.timings`, shown
to staff and printed by the benchmark) and reported as each stage starts to an optional
callback, the command's progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

Stage = Callable[[str], None]


class Timer:
    """`with timer("score"): ...` adds the block's seconds to `timings["score"]`."""

    def __init__(self, stage: Stage | None = None):
        self.timings: dict[str, float] = {}
        self._stage = stage

    @contextmanager
    def __call__(self, name: str):
        if self._stage:
            self._stage(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 3)
