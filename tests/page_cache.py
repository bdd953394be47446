"""Helpers for tests that count on-commit callbacks: a write a page shows also moves the
cached pages on after the commit (catalog.fragments), which is not what they count."""

from catalog import fragments


def without_page_cache_bumps(callbacks) -> list:
    return [callback for callback in callbacks if callback is not fragments._bump]
