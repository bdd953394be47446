from celery import shared_task

from .services import rec_origins_expire


@shared_task
def expire_rec_origins() -> int:
    """Hourly: enforce the attribution window on cart lines (see rec_origins_expire)."""
    return rec_origins_expire()
