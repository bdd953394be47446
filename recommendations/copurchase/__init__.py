"""The co-purchase statistics engine: what was bought together, counted offline, read in O(1).

A refresh (refresh.py) reads the window's order lines (loading.py), counts them
(counting.py, or incremental.py on top of the live snapshot's stored counts, codec.py),
ranks every product's partners (scoring.py), writes the rows aside (writing.py,
partitions.py), gates them (quality.py) and switches them live (publishing.py), then drops
what is no longer kept (pruning.py). The storefront reads the live snapshot through
selectors.py. Celery runs it nightly (tasks.py), over several workers when the window is
large (sharding.py); lease.py keeps it to one refresh at a time.
"""
