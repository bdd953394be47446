"""Demo and benchmark tools keep out of a shop that trades, and send no e-mail."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from shop.demo.guards import SIMULATED_CUSTOMER_REF, real_orders
from shop.orders.models import Order
from tests.factories import ComplementFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_mailer(settings, tmp_path):
    """The site's mailer writes files: anything 'really' sent would land there."""
    outbox = tmp_path / "sent"
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {"file_path": str(outbox)}}
    }
    return outbox


def shop_with_recommendations():
    for _ in range(2):
        ComplementFactory(product=ProductFactory(stock=80), complement=ProductFactory(stock=80))


def test_real_orders_are_the_checkouts_own_numbers_except_the_simulated_shoppers():
    real = OrderFactory(number="TD-AAAA-BBBB")
    OrderFactory(number="OR536365", customer_ref="17850")
    OrderFactory(number="OR536366", customer_ref="")
    OrderFactory(number="B0000000001", email="bench@example.com")
    OrderFactory(number="TD-CCCC-DDDD", customer_ref=SIMULATED_CUSTOMER_REF)

    assert list(real_orders()) == [real]


def test_simulate_shoppers_refuses_a_shop_with_real_orders():
    shop_with_recommendations()
    OrderFactory(number="TD-AAAA-BBBB")

    with pytest.raises(CommandError, match=r"1 real order \(TD-AAAA-BBBB\): simulate_shoppers .* --force"):
        call_command("simulate_shoppers", visitors=2, buy=1.0, pool=2, days=1, stdout=StringIO())

    assert Order.objects.count() == 1


# Committed transactions: the confirmations are sent as each order commits, during the command.
@pytest.mark.django_db(transaction=True)
def test_simulated_orders_are_marked_and_their_e_mail_never_leaves_the_process(file_mailer):
    shop_with_recommendations()

    call_command("simulate_shoppers", visitors=3, buy=1.0, pool=2, days=1, stdout=StringIO())

    assert Order.objects.count() == 3
    assert set(Order.objects.values_list("customer_ref", flat=True)) == {SIMULATED_CUSTOMER_REF}
    assert not real_orders().exists()
    assert len(mail.outbox) == 3  # the confirmations, in memory
    assert not file_mailer.exists() or not any(file_mailer.iterdir())
    # a second run is not refused: its own orders are not real ones
    call_command("simulate_shoppers", visitors=1, buy=1.0, pool=2, days=1, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_simulate_shoppers_runs_on_a_trading_shop_only_when_forced(file_mailer):
    shop_with_recommendations()
    OrderFactory(number="TD-AAAA-BBBB")

    call_command("simulate_shoppers", visitors=2, buy=1.0, pool=2, days=1, force=True, stdout=StringIO())

    assert Order.objects.count() == 3
    assert not file_mailer.exists() or not any(file_mailer.iterdir())


def test_bench_pages_refuses_a_shop_with_real_orders():
    ProductFactory()
    OrderFactory(number="TD-AAAA-BBBB")
    with pytest.raises(CommandError, match="bench_pages would write into a shop that trades"):
        call_command("bench_pages", stdout=StringIO())


@pytest.mark.parametrize(
    ("number", "message"), [("TD-AAAA-BBBB", "real order"), ("OR536365", "the demo's orders")]
)
def test_bench_copurchase_refuses_to_delete_orders_that_are_not_its_own(number, message):
    OrderFactory(number=number)
    with pytest.raises(CommandError, match=message):
        call_command("bench_copurchase", orders=10, products=5, inline=True, skip_pandas=True, repeat=1, stdout=StringIO())
    assert Order.objects.filter(number=number).exists()
