"""Who is voting "Was this helpful?": the account when signed in, the browser's session
otherwise. The vote's unique constraint is on this key."""


def voter_for_request(request, *, create: bool = False) -> str:
    """"user:<id>" or "session:<key>"; "" for a visitor without a session unless `create`
    (a vote gives them one, so their next vote is recognised)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key and create:
        session.save()
    return f"session:{session.session_key}" if session.session_key else ""
