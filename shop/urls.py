from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from api.main import api
from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("cart/", include("shop.cart.urls")),
    path("cart/offers/", include("shop.offers.urls")),
    path("checkout/", include("shop.checkout.urls")),
    path("orders/", include("shop.orders.urls")),
    path("payments/", include("shop.payments.urls")),
    path("accounts/", include("shop.accounts.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("followups/", include("recommendations.followups.urls")),
    path("reviews/", include("catalog.reviews.urls")),
    path("", include("recommendations.measurement.urls")),
    path("", include("catalog.urls")),
]

# 400, 403 and 404 use Django's handlers with the shop's templates (they extend base.html);
# the 500 page is rendered without the request or the database.
handler500 = "shop.security.views.server_error"

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
