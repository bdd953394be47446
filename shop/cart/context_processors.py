from .selectors import cart_item_count_for_request


def cart_summary(request):
    """The header's mini-cart count: one query at most (shared with the rest of the page's
    reads of the cart), none for a visitor without a session.

    Reads the session key from the cookie without loading or creating the session, so
    rendering a page never creates a session or a cart.
    """
    return {"cart_count": cart_item_count_for_request(request)}
