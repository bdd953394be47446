from celery import shared_task

from .retention import measurement_history_keep
from .services import rec_origins_expire


@shared_task
def expire_rec_origins() -> int:
    """Hourly: enforce the attribution window on cart lines (see rec_origins_expire)."""
    return rec_origins_expire()


@shared_task(name="recommendations.measurement.tasks.keep_measurement_history")
def keep_measurement_history() -> str:
    """Nightly: daily counts of the days past MEASUREMENT_RAW_DAYS kept, then their raw rows deleted."""
    kept = measurement_history_keep()
    return (
        f"raw rows kept from {kept.horizon}; {kept.days_counted} days counted, "
        f"{kept.events_deleted} events and {kept.visitors_deleted} visitors deleted"
    )
