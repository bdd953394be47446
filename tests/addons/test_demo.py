"""load_demo offers 2-year protection with the kitchen appliances and gift wrap with the gift
categories, marked as demo content; --reset takes them away and leaves staff's own."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from catalog.models import Category, Product
from shop.addons.models import Service
from shop.addons.selectors import service_offers
from shop.demo.services import demo_reset
from tests.factories import ServiceFactory

SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "sample"
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    out = io.StringIO()
    call_command("load_demo", "--source", str(SAMPLE), "--no-images", stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def offers_for(product):
    return {offer.service.code: offer.unit_price for offer in service_offers(products=[product])[product.pk]}


def test_the_kitchen_appliances_are_offered_2_year_protection_as_a_share_of_their_price(demo):
    assert "2 service add ons" in demo
    kettle = Product.objects.get(sku="TD-KETTLE-17")  # £29.99
    assert offers_for(kettle) == {"demo-protection-2y": Decimal("4.50")}
    knife_block = Product.objects.get(sku="TD-KNIFE-5")
    assert offers_for(knife_block) == {}


def test_gifts_are_offered_gift_wrap_at_a_fixed_price(demo):
    christmas = Category.objects.get(slug="christmas")
    gift = Product.objects.filter(category__parent=christmas).first() or Product.objects.get(category=christmas)
    assert offers_for(gift) == {"demo-gift-wrap": Decimal("2.50")}


def test_the_demo_services_are_marked_as_demo_content(demo):
    assert set(Service.objects.values_list("code", "is_demo")) == {("demo-protection-2y", True), ("demo-gift-wrap", True)}


def test_reset_removes_the_demo_services_and_keeps_staffs_own(demo):
    own = ServiceFactory(name="Installation")
    deleted = demo_reset(source=SAMPLE)
    assert deleted["service_add_ons"] == 2
    assert list(Service.objects.all()) == [own]
