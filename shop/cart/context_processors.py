from .selectors import cart_item_count


def cart_summary(request):
    """The header's mini-cart count: one query at most, none for a visitor without a session.

    Reads the session key from the cookie without loading or creating the session, so
    rendering a page never creates a session or a cart.
    """
    session = getattr(request, "session", None)
    count = cart_item_count(
        user=getattr(request, "user", None),
        session_key=session.session_key if session is not None else None,
    )
    return {"cart_count": count}
