"""Signal receivers: both only invalidate the cached recommendation blocks."""

import logging

logger = logging.getLogger(__name__)


def curation_changed(sender, **kwargs) -> None:
    from recommendations.services import curation_version_bump

    curation_version_bump()


def snapshot_published(sender, **kwargs) -> None:
    from recommendations.selectors.candidates import invalidate_cache_generation

    invalidate_cache_generation()


def connect_snapshot_published() -> None:
    try:
        from recommendations.copurchase.signals import snapshot_published as signal
    except ImportError:  # the statistics app not installed: nothing to listen to
        logger.warning("recommendations.copurchase.signals is missing; snapshot switches won't invalidate caches")
        return
    signal.connect(snapshot_published, dispatch_uid="recommendations.snapshot_published")
