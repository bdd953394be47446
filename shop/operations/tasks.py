from celery import shared_task

from .housekeeping import sessions_clear_expired


@shared_task(name="shop.operations.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Nightly: expired sessions (each first visit of a browser wrote one)."""
    return sessions_clear_expired()
