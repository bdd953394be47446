"""Staff make and stop codes in the admin; bad values are form errors that save nothing."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from shop.offers.models import OfferSettings, Voucher, VoucherUse
from tests.factories import CategoryFactory, OrderFactory, UserFactory, VoucherFactory

pytestmark = pytest.mark.django_db


def voucher_form(**values):
    return {
        "code": "spring 10", "description": "", "kind": "percent", "value": "10", "minimum_spend": "30.00",
        "starts_at_0": "2026-03-01", "starts_at_1": "00:00:00", "ends_at_0": "2026-04-01", "ends_at_1": "00:00:00",
        "usage_limit": "100", "per_customer_limit": "1", "categories": [], "customer_email": "", "is_active": "on",
        **values,
    }


def test_staff_make_a_code_limited_to_a_category(staff_client):
    kitchen = CategoryFactory()
    response = staff_client.post(reverse("admin:offers_voucher_add"), voucher_form(categories=[kitchen.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    voucher = Voucher.objects.get()
    assert (voucher.code, voucher.value, voucher.minimum_spend, voucher.usage_limit) == (
        "SPRING10", Decimal("10.00"), Decimal("30.00"), 100,
    )
    assert list(voucher.categories.all()) == [kitchen]
    assert voucher.source == "staff" and voucher.times_used == 0


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"code": "x!"}, "code", "letters, digits and dashes"),
        ({"code": "TAKEN"}, "code", "is taken"),
        ({"value": "120"}, "value", "at most 100"),
        ({"value": "0"}, "value", "above 0"),
        ({"ends_at_0": "2026-02-01"}, "ends_at", "end after it starts"),
    ],
)
def test_a_bad_code_is_a_form_error_and_saves_nothing(staff_client, values, field, message):
    VoucherFactory(code="TAKEN")
    response = staff_client.post(reverse("admin:offers_voucher_add"), voucher_form(**values))
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert Voucher.objects.count() == 1


def test_a_limit_below_the_uses_so_far_is_a_form_error(staff_client):
    voucher = VoucherFactory(code="USED", usage_limit=10, times_used=7)
    response = staff_client.post(reverse("admin:offers_voucher_change", args=[voucher.pk]), voucher_form(code="USED", usage_limit="5"))
    assert "already been used 7 times" in " ".join(response.context["adminform"].form.errors["usage_limit"])


def test_stopping_codes_needs_the_change_permission(client):
    voucher = VoucherFactory()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_voucher"))
    client.force_login(viewer)
    client.post(reverse("admin:offers_voucher_changelist"), {"action": "deactivate", ACTION_CHECKBOX_NAME: [voucher.pk]})
    assert Voucher.objects.get().is_active
    viewer.user_permissions.add(Permission.objects.get(codename="change_voucher"))
    client.post(reverse("admin:offers_voucher_changelist"), {"action": "deactivate", ACTION_CHECKBOX_NAME: [voucher.pk]})
    assert not Voucher.objects.get().is_active


def test_the_uses_are_a_record_staff_cannot_edit(staff_client):
    use = VoucherUse.objects.create(voucher=VoucherFactory(), order=OrderFactory(), email="a@example.com", amount=1)
    assert staff_client.get(reverse("admin:offers_voucheruse_changelist")).status_code == 200
    assert staff_client.post(reverse("admin:offers_voucheruse_delete", args=[use.pk]), {"post": "yes"}).status_code == 403
    assert VoucherUse.objects.exists()


def test_there_is_one_settings_row(staff_client):
    OfferSettings.objects.create(pk=1)
    assert staff_client.get(reverse("admin:offers_offersettings_add")).status_code == 403
