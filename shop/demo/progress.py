"""Progress reporting for the demo loader's long phases.

A `Progress` is called as `progress(desc, total)` and returns a bar with `update(n)` and
`close()`: the `load_demo` command passes tqdm, tests and other callers `no_progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> object: ...


Progress = Callable[[str, int], ProgressBar]


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(desc: str, total: int) -> ProgressBar:
    return _Silent()
