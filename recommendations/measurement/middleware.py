from django.conf import settings

from .holdout import current_visit, visit_finish, visit_for_request
from .services import impressions_flush


class HoldoutMiddleware:
    """Puts every human visitor in a group (request.rec_visit; the visitor cookie, and the
    session under holdout.SESSION_GROUP once there is one) and writes the impressions the
    page buffered, in one INSERT after it has rendered. A cookieless first visit writes no
    row (holdout.py).

    Goes after AuthenticationMiddleware (the group of a signed-in customer follows them).
    Static files, media and the admin are skipped: they are not visits to the shop.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped_prefixes = tuple(
            prefix
            for prefix in ("/" + settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL, "/admin/", "/favicon.ico")
            if prefix and prefix != "/"
        )

    def __call__(self, request):
        if request.path_info.startswith(self.skipped_prefixes):
            return self.get_response(request)
        request.rec_visit = visit_for_request(request)
        token = current_visit.set(request.rec_visit)
        try:
            response = self.get_response(request)
        finally:
            current_visit.reset(token)
        visit_finish(request, response)
        impressions_flush(request=request)
        return response
