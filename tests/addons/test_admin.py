"""Staff define services in the admin; what shoppers are offered changes only with the change permission."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from shop.addons.models import Service
from tests.factories import CartLineFactory, CartLineServiceFactory, CategoryFactory, ProductFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def form(**values):
    return {
        "name": "2-year protection", "code": "protection-2y", "description": "", "is_active": "on", "position": "1",
        "pricing": "share", "price": "", "share_percent": "12.5", "categories": [], "products": [], **values,
    }


def test_staff_define_a_price_share_service_for_a_category_and_a_product(staff_client):
    category, product = CategoryFactory(), ProductFactory()
    response = staff_client.post(
        reverse("admin:addons_service_add"), form(categories=[category.pk], products=[product.pk], price="3.00")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    service = Service.objects.get()
    assert (service.pricing, service.share_percent, service.price) == ("share", Decimal("12.50"), None)
    assert list(service.categories.all()) == [category] and list(service.products.all()) == [product]


def test_a_fixed_price_service_without_a_price_is_a_form_error(staff_client):
    response = staff_client.post(reverse("admin:addons_service_add"), form(pricing="fixed", share_percent=""))
    assert response.status_code == 200
    assert "A fixed-price service needs its price." in response.text
    assert not Service.objects.exists()


def test_the_list_shows_the_price_rule_what_it_is_offered_with_and_demo_content(staff_client):
    ServiceFactory(name="Gift wrap", price=Decimal("2.50"), is_demo=True, categories=[CategoryFactory(), CategoryFactory()])
    page = staff_client.get(reverse("admin:addons_service_changelist")).text
    assert "Gift wrap" in page and "DEMO" in page and "£2.50" in page and "2 categories" in page


def test_deactivating_needs_the_change_permission(client):
    service = ServiceFactory()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_service"))
    client.force_login(viewer)
    client.post(reverse("admin:addons_service_changelist"), {"action": "deactivate", ACTION_CHECKBOX_NAME: [service.pk]})
    assert Service.objects.get().is_active
    viewer.user_permissions.add(Permission.objects.get(codename="change_service"))
    client.post(reverse("admin:addons_service_changelist"), {"action": "deactivate", ACTION_CHECKBOX_NAME: [service.pk]})
    assert not Service.objects.get().is_active


def test_the_cart_admin_lists_each_lines_services(staff_client):
    line = CartLineFactory(product=ProductFactory(name="Kettle"))
    CartLineServiceFactory(line=line, service=ServiceFactory(name="2-year protection"))
    page = staff_client.get(reverse("admin:cart_cart_change", args=[line.cart_id])).text
    assert "2-year protection" in page
