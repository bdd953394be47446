"""What the reviews add to a cached fragment's key (settings.FRAGMENT_VARY): the reviews
section is cached only for a visitor who can't have voted or written one (no session, not
signed in); anyone else sees their own votes, rendered live."""

from catalog.reviews.voters import voter_for_request


def fragment_vary(request, *, name: str, args: tuple) -> str | None:
    if name != "reviews":
        return ""
    user = getattr(request, "user", None)
    if (user is not None and user.is_authenticated) or voter_for_request(request):
        return None
    return ""
