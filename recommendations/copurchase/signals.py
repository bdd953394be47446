"""Signals of the co-purchase engine.

`snapshot_published(sender=Snapshot, snapshot=...)` is sent after a snapshot has switched
live (on commit of the switch, also after a rollback from the admin), so caches of
recommendations built on the previous snapshot can be dropped.
"""

from django.dispatch import Signal

snapshot_published = Signal()
