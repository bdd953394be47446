from .services import viewed_cookie_finish


class RecentlyViewedMiddleware:
    """Writes a guest's recently viewed products into their signed cookie once the page has
    rendered (or clears it after the login that moved them onto the account): a guest's
    views cost no session and no row (`recommendations.personal.services`).

    Anywhere in MIDDLEWARE: it only acts on the response, on what the request recorded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        viewed_cookie_finish(request=request, response=response)
        return response
