"""Follow-ups about what a customer owns: the upgrade offer (once, some months after buying a
lower tier) and the restock reminder (at the customer's own interval), only to addresses that
agreed to marketing e-mail, with the holdout and the unsubscribe link as every follow-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from recommendations.followups import services
from recommendations.followups.models import FollowUp
from recommendations.followups.owned import restocks_due, restocks_send_due, upgrade_offers_send_due, upgrades_due
from recommendations.followups.services import opt_out
from recommendations.followups.tasks import send_restock_emails, send_upgrade_offer_emails
from recommendations.measurement.clicks import click_target_load
from recommendations.measurement.models import CustomerGroup
from shop.orders.models import Order
from tests.factories import (
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TierLadderFactory,
    UpgradeFactory,
    UserFactory,
)
from tests.followups.conftest import agree_to_marketing

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: float):
    return NOW - timedelta(days=days)


def buy(
    product, *, days_ago: float, email="ada@example.com", user=None, group=Order.Group.TREATMENT,
    status=Order.Status.SHIPPED, consent=True,
):
    """An order for the product; `consent`: the marketing box was ticked at its checkout."""
    order = OrderFactory(email=email, user=user, placed_at=ago(days_ago), status=status, rec_group=group)
    OrderLineFactory(order=order, product=product)
    if consent:
        agree_to_marketing(email)
    return order


def link_target(body: str):
    link = next(word for word in body.split() if "/r/" in word)
    return click_target_load(link.rstrip("/").split("/r/")[1])


# Upgrade what you own -------------------------------------------------------------------------


@pytest.fixture
def toasters(settings):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    kitchen = CategoryFactory(name="Kitchen")
    two = ProductFactory(name="Two-slice Toaster", price=Decimal("24.99"), category=kitchen)
    four = ProductFactory(name="Four-slice Toaster", price=Decimal("34.99"), category=kitchen)
    ladder = TierLadderFactory(name="Toasters")
    LadderTierFactory(ladder=ladder, product=two, position=0, label="2-slice")
    LadderTierFactory(ladder=ladder, product=four, position=1, label="4-slice")
    UpgradeFactory(product=two, upgrade=four, pitch="Breakfast for four")
    return two, four


def test_a_customer_who_bought_a_lower_tier_months_ago_gets_one_upgrade_email(toasters):
    two, four = toasters
    buy(two, days_ago=122, email="Ada@Example.com")

    result = upgrade_offers_send_due(now=NOW)

    assert (result.sent, result.failed) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Time to upgrade your Two-slice Toaster?"
    assert "Four-slice Toaster" in message.body and "Breakfast for four" in message.body and "£10.00" in message.body
    assert "/followups/unsubscribe/" in message.body and "/followups/unsubscribe/" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target = link_target(message.body)
    assert (target.placement, target.product_id, target.anchor_id) == ("email_upgrade", four.pk, two.pk)
    followup = FollowUp.objects.get()
    assert (followup.kind, followup.email, followup.product_id, followup.product_ids) == ("upgrade", "ada@example.com", two.pk, [four.pk])


def test_the_upgrade_offer_is_sent_once_however_often_the_task_runs(toasters):
    two, _ = toasters
    buy(two, days_ago=122)

    upgrade_offers_send_due(now=NOW)
    upgrade_offers_send_due(now=NOW + timedelta(days=1))
    send_upgrade_offer_emails.delay().get(timeout=10)

    assert len(mail.outbox) == 1


@pytest.mark.parametrize("days_ago", [60, 119, 128, 400])
def test_no_upgrade_email_too_soon_or_once_the_week_it_was_due_has_passed(toasters, days_ago):
    two, _ = toasters
    buy(two, days_ago=days_ago)

    assert upgrade_offers_send_due(now=NOW).sent == 0


def test_buying_the_product_again_later_moves_the_offer_on(toasters):
    two, _ = toasters
    buy(two, days_ago=122)
    buy(two, days_ago=30)

    assert upgrades_due(now=NOW) == []


def test_no_upgrade_email_to_a_customer_who_owns_the_upgrade_already(toasters):
    two, four = toasters
    buy(two, days_ago=122)
    buy(four, days_ago=40)

    assert upgrade_offers_send_due(now=NOW).sent == 0


def test_no_upgrade_email_to_an_address_that_unsubscribed(toasters):
    two, _ = toasters
    buy(two, days_ago=122)
    opt_out(email="ADA@example.com")

    assert upgrade_offers_send_due(now=NOW).sent == 0
    assert not FollowUp.objects.exists()


def test_no_upgrade_email_to_a_customer_who_never_agreed_to_marketing(toasters):
    two, _ = toasters
    buy(two, days_ago=122, consent=False)

    assert upgrades_due(now=NOW) == []
    assert upgrade_offers_send_due(now=NOW).sent == 0
    assert not FollowUp.objects.exists()


def test_a_customer_in_the_holdout_gets_no_upgrade_email(toasters):
    two, _ = toasters
    user = UserFactory(email="ada@example.com")
    buy(two, days_ago=122, user=user, group=Order.Group.TREATMENT)
    CustomerGroup.objects.create(user=user, group="control")  # the account's group wins
    buy(two, days_ago=122, email="guest@example.com", group=Order.Group.CONTROL)

    assert upgrade_offers_send_due(now=NOW).sent == 0


def test_the_upgrade_email_goes_through_the_follow_ups_claim(toasters, monkeypatch):
    """Whatever the claim refuses (consent, a concurrent run), no upgrade e-mail goes out."""
    two, _ = toasters
    buy(two, days_ago=122)
    monkeypatch.setattr(services, "_claim", lambda **fields: None)

    upgrade_offers_send_due(now=NOW)

    assert mail.outbox == []


def test_a_failed_send_withdraws_the_claim_so_the_next_run_tries_again(toasters, monkeypatch):
    two, _ = toasters
    buy(two, days_ago=122)

    def broken(**kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr("recommendations.followups.emails.send_upgrade_offer", broken)
    assert upgrade_offers_send_due(now=NOW).failed == 1
    monkeypatch.undo()

    assert upgrade_offers_send_due(now=NOW).sent == 1


# Time to restock -----------------------------------------------------------------------------


@pytest.fixture
def descaler():
    """A consumable with a complement, and a kettle (not consumable)."""
    kitchen = CategoryFactory(name="Kitchen")
    descaler = ProductFactory(name="Kettle Descaler", price=Decimal("4.99"), is_consumable=True, category=kitchen)
    cloth = ProductFactory(name="Polishing Cloth", price=Decimal("3.50"), category=CategoryFactory(name="Cleaning"))
    ComplementFactory(product=descaler, complement=cloth, pitch="For a shiny kettle")
    return descaler, cloth


def test_a_restock_reminder_comes_at_the_customers_own_interval_with_one_complement(descaler):
    product, cloth = descaler
    for days in (95, 65, 35):  # every 30 days
        buy(product, days_ago=days)

    assert restocks_send_due(now=ago(10)).sent == 0  # 25 days after the last: not yet
    result = restocks_send_due(now=ago(4))

    assert result.sent == 1
    [message] = mail.outbox
    assert message.subject == "Time to restock your Kettle Descaler?"
    assert "Kettle Descaler" in message.body and "Polishing Cloth" in message.body and "For a shiny kettle" in message.body
    assert "/followups/unsubscribe/" in message.body
    target = link_target(message.body)
    assert (target.placement, target.source, target.product_id) == ("email_restock", "history", product.pk)
    followup = FollowUp.objects.get()
    assert (followup.kind, followup.product_id, followup.product_ids) == ("restock", product.pk, [product.pk, cloth.pk])


def test_a_customer_who_bought_once_is_reminded_at_the_products_median_interval(descaler):
    product, _ = descaler
    for email, gaps in (("a@example.com", (20, 20)), ("b@example.com", (18,)), ("c@example.com", (40,))):
        day = 200
        buy(product, days_ago=day, email=email)
        for gap in gaps:
            day -= gap
            buy(product, days_ago=day, email=email)
    buy(product, days_ago=25, email="new@example.com")  # once; the median gap is 20 days

    due = [d for d in restocks_due(now=NOW) if d.customer.email == "new@example.com"]

    assert len(due) == 1
    assert due[0].due_at == ago(5)


def test_nobody_is_reminded_of_a_consumable_nobody_has_bought_twice(descaler):
    product, _ = descaler
    buy(product, days_ago=60)
    buy(product, days_ago=50, email="bob@example.com")

    assert restocks_due(now=NOW) == []


def test_one_reminder_per_purchase_and_a_new_one_after_buying_again(descaler):
    product, _ = descaler
    buy(product, days_ago=95)
    buy(product, days_ago=65)
    buy(product, days_ago=35)

    restocks_send_due(now=ago(4))
    restocks_send_due(now=ago(3))
    send_restock_emails.delay().get(timeout=10)  # now: still due, and claimed already
    assert len(mail.outbox) == 1

    buy(product, days_ago=3)  # restocked: due again about 30 days later
    assert restocks_send_due(now=NOW + timedelta(days=28)).sent == 1
    assert FollowUp.objects.filter(kind="restock").count() == 2


def test_no_restock_reminder_in_the_holdout_after_an_opt_out_or_for_something_not_consumable(descaler):
    product, _ = descaler
    kettle = ProductFactory(name="Kettle")
    for days in (95, 65, 35):
        buy(product, days_ago=days, email="held@example.com", group=Order.Group.CONTROL)
        buy(product, days_ago=days, email="gone@example.com")
        buy(kettle, days_ago=days, email="kettles@example.com")
    opt_out(email="gone@example.com")

    assert restocks_send_due(now=ago(4)).sent == 0
    assert not FollowUp.objects.exists()


def test_no_restock_reminder_to_a_customer_who_never_agreed_to_marketing(descaler):
    product, _ = descaler
    for days in (95, 65, 35):
        buy(product, days_ago=days, consent=False)

    assert restocks_due(now=ago(4)) == []
    assert restocks_send_due(now=ago(4)).sent == 0


def test_an_item_no_longer_on_sale_is_not_claimed(descaler):
    product, _ = descaler
    for days in (95, 65, 35):
        buy(product, days_ago=days)
    product.stock = 0
    product.save()

    assert restocks_send_due(now=ago(4)).sent == 0
    assert not FollowUp.objects.exists()


def test_the_restock_email_goes_through_the_follow_ups_claim(descaler, monkeypatch):
    product, _ = descaler
    for days in (95, 65, 35):
        buy(product, days_ago=days)
    monkeypatch.setattr(services, "_claim", lambda **fields: None)

    restocks_send_due(now=ago(4))

    assert mail.outbox == []
