"""Signal receivers: both only invalidate the cached recommendation blocks. Connected in
`RecommendationsConfig.ready()`."""

from recommendations.caching import invalidate_cache_generation
from recommendations.services import curation_version_bump


def curation_changed(sender, **kwargs) -> None:
    curation_version_bump()


def snapshot_published(sender, **kwargs) -> None:
    invalidate_cache_generation()
