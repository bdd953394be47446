"""Post-purchase follow-ups: who gets one, what it recommends, never twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from recommendations.followups.models import FollowUp
from recommendations.followups.services import opt_out, post_purchase_send, post_purchase_send_due
from recommendations.followups.tasks import send_post_purchase_emails
from recommendations.measurement.clicks import click_target_load
from shop.orders.models import Order
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory

from .conftest import agree_to_marketing

pytestmark = pytest.mark.django_db


def test_a_customer_gets_complements_of_what_they_bought_fourteen_days_after_shipping(kettle_order):
    result = post_purchase_send_due()
    assert (result.sent, result.skipped) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["Ada@Example.com"]
    assert message.subject == "Goes well with your Kettle"
    assert "Hello Ada" in message.body and "Descaler" in message.body and "Keeps it limescale-free" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Descaler" in html
    assert "/followups/unsubscribe/" in message.body and "/followups/unsubscribe/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_links_carry_the_placement_for_attribution(kettle_order):
    post_purchase_send_due()
    body = mail.outbox[0].body
    link = next(word for word in body.split() if "/r/" in word)
    target = click_target_load(link.rstrip("/").split("/r/")[1])
    kettle = kettle_order.lines.get().product
    assert (target.placement, target.source, target.anchor_id) == ("email_post_purchase", "curated", kettle.pk)


def test_running_again_sends_nothing_more(kettle_order):
    post_purchase_send_due()
    post_purchase_send_due()
    send_post_purchase_emails.delay().get(timeout=10)
    assert len(mail.outbox) == 1
    assert FollowUp.objects.filter(order=kettle_order).count() == 1


def test_a_concurrent_run_that_lost_the_claim_sends_nothing(kettle_order):
    FollowUp.objects.create(kind=FollowUp.Kind.POST_PURCHASE, email="ada@example.com", order=kettle_order)
    assert post_purchase_send(order=kettle_order) is None
    assert mail.outbox == []


def test_nothing_before_the_delay_or_for_an_order_not_shipped(kettle_order):
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=13))
    paid = OrderFactory(status=Order.Status.PAID, shipped_at=None)
    OrderLineFactory(order=paid, product=kettle_order.lines.get().product)
    assert post_purchase_send_due().sent == 0
    assert mail.outbox == []


def test_old_orders_are_left_alone_when_the_emails_are_switched_on(kettle_order):
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=60))
    assert post_purchase_send_due().sent == 0


def test_a_category_can_have_its_own_delay(kettle_order, settings):
    settings.FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY = {"coffee": 5}
    beans = ProductFactory(category=CategoryFactory(slug="coffee"))
    Order.objects.filter(pk=kettle_order.pk).update(shipped_at=timezone.now() - timedelta(days=6))
    assert post_purchase_send_due().sent == 0  # kettles wait 14 days
    OrderLineFactory(order=kettle_order, product=beans)
    assert post_purchase_send_due().sent == 1  # the order holds coffee: 5 days


def test_no_email_to_an_address_that_opted_out_whatever_its_case(kettle_order):
    opt_out(email="ada@EXAMPLE.com")
    assert post_purchase_send_due().sent == 0
    assert mail.outbox == []


def test_products_bought_since_are_not_recommended_and_an_empty_pick_is_skipped_for_good(kettle_order):
    descaler = ProductFactory._meta.model.objects.get(name="Descaler")
    later = OrderFactory(email="ada@example.com", placed_at=timezone.now() - timedelta(days=3))
    OrderLineFactory(order=later, product=descaler)
    result = post_purchase_send_due()
    assert (result.sent, result.skipped) == (0, 1)
    assert mail.outbox == []
    assert FollowUp.objects.get(order=kettle_order).status == FollowUp.Status.SKIPPED
    assert post_purchase_send_due().skipped == 0


def test_inactive_or_out_of_stock_complements_are_never_offered(kettle_order):
    ProductFactory._meta.model.objects.filter(name="Descaler").update(stock=0)
    assert post_purchase_send_due().skipped == 1
    assert mail.outbox == []


def test_a_failed_send_is_retried_by_the_next_run(kettle_order, monkeypatch):
    original = EmailMultiAlternatives.send

    def broken(self, *args, **kwargs):
        raise OSError("SMTP server unavailable")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    assert post_purchase_send_due().failed == 1
    assert not FollowUp.objects.exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    assert post_purchase_send_due().sent == 1
    assert len(mail.outbox) == 1


def test_each_email_costs_a_fixed_handful_of_queries(kettle_order, django_assert_max_num_queries):
    # One order costs 18 queries with cold caches (its due list, its picks through the
    # storefront's selection, the claim); each further order about 6 (picks and claim). Each
    # e-mail also writes its next-order code (one more), and the run reads the offer
    # settings once (cached).
    for _ in range(5):
        order = OrderFactory(status=Order.Status.SHIPPED, shipped_at=kettle_order.shipped_at)
        OrderLineFactory(order=order, product=kettle_order.lines.get().product)
        agree_to_marketing(order.email)
    with django_assert_max_num_queries(18 + 5 * 7 + 6 + 1):
        assert post_purchase_send_due().sent == 6


def test_an_order_placed_in_the_holdout_gets_no_recommendation_email(kettle_order):
    Order.objects.filter(pk=kettle_order.pk).update(rec_group="control")

    assert post_purchase_send_due().sent == 0
    assert not mail.outbox and not FollowUp.objects.exists()

    Order.objects.filter(pk=kettle_order.pk).update(rec_group="treatment")
    assert post_purchase_send_due().sent == 1
