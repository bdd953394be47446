"""Signal receivers, connected in `PersonalConfig.ready()`."""

from .services import viewed_merge_at_login


def merge_viewed_on_login(sender, request, user, **kwargs) -> None:
    """A guest's recently viewed products follow them into their account."""
    if request is not None:
        viewed_merge_at_login(request=request, user=user)
