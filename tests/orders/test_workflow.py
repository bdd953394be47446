"""The order transition table, state × event: what each step does to status, stock, money
owed and the customer's e-mail."""

import pytest

from catalog.models import Product
from shop.orders.models import Order, OrderEmail
from shop.orders.workflow import TRANSITIONS, Event, OrderStatusError, State, order_apply, order_state
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

Status = Order.Status
Reason = Order.CancelReason
Kind = OrderEmail.Kind

STORED = {
    State.AWAITING_PAYMENT: (Status.AWAITING_PAYMENT, Reason.NONE),
    State.PAID: (Status.PAID, Reason.NONE),
    State.SHIPPED: (Status.SHIPPED, Reason.NONE),
    State.EXPIRED: (Status.CANCELLED, Reason.EXPIRED),
    State.CANCELLED: (Status.CANCELLED, Reason.STAFF),
}

REFUSED = "refused"
# (state, event): (state after, stock change, money owed back, e-mail), for an order of 2
# units of a product with 5 on the shelf.
TABLE = {
    (State.AWAITING_PAYMENT, Event.PAY): (State.PAID, 0, False, Kind.PAID),
    (State.AWAITING_PAYMENT, Event.DISPATCH): REFUSED,
    (State.AWAITING_PAYMENT, Event.CANCEL): (State.CANCELLED, +2, False, Kind.CANCELLED),
    (State.AWAITING_PAYMENT, Event.EXPIRE): (State.EXPIRED, +2, False, Kind.CANCELLED),
    (State.AWAITING_PAYMENT, Event.REFUND): REFUSED,
    (State.PAID, Event.PAY): (State.PAID, 0, True, None),
    (State.PAID, Event.DISPATCH): (State.SHIPPED, 0, False, Kind.DISPATCHED),
    (State.PAID, Event.CANCEL): (State.CANCELLED, +2, True, Kind.CANCELLED),
    (State.PAID, Event.EXPIRE): (State.PAID, 0, False, None),
    (State.PAID, Event.REFUND): (State.CANCELLED, +2, True, Kind.CANCELLED),
    (State.SHIPPED, Event.PAY): (State.SHIPPED, 0, True, None),
    (State.SHIPPED, Event.DISPATCH): (State.SHIPPED, 0, False, None),
    (State.SHIPPED, Event.CANCEL): REFUSED,
    (State.SHIPPED, Event.EXPIRE): (State.SHIPPED, 0, False, None),
    (State.SHIPPED, Event.REFUND): (State.SHIPPED, 0, True, None),
    (State.EXPIRED, Event.PAY): (State.PAID, -2, False, Kind.PAID),
    (State.EXPIRED, Event.DISPATCH): REFUSED,
    (State.EXPIRED, Event.CANCEL): (State.EXPIRED, 0, False, None),
    (State.EXPIRED, Event.EXPIRE): (State.EXPIRED, 0, False, None),
    (State.EXPIRED, Event.REFUND): (State.EXPIRED, 0, True, None),
    (State.CANCELLED, Event.PAY): (State.CANCELLED, 0, True, None),
    (State.CANCELLED, Event.DISPATCH): REFUSED,
    (State.CANCELLED, Event.CANCEL): (State.CANCELLED, 0, False, None),
    (State.CANCELLED, Event.EXPIRE): (State.CANCELLED, 0, False, None),
    (State.CANCELLED, Event.REFUND): (State.CANCELLED, 0, True, None),
}


def test_the_table_has_a_step_for_every_state_and_event():
    assert set(TRANSITIONS) == {(state, event) for state in State for event in Event}
    assert set(TABLE) == set(TRANSITIONS)


def order_in(state: State, stock: int = 5):
    status, reason = STORED[state]
    order = OrderFactory(status=status, cancel_reason=reason)
    product = ProductFactory(stock=stock, sales_count=3)
    OrderLineFactory(order=order, product=product, quantity=2)
    return order, product


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "event"), list(TABLE), ids=[f"{s}-{e}" for s, e in TABLE])
def test_each_event_in_each_state_does_what_the_table_says(state, event):
    order, product = order_in(state)
    expected = TABLE[(state, event)]

    if expected == REFUSED:
        with pytest.raises(OrderStatusError):
            order_apply(order=order, event=event)
        order.refresh_from_db()
        assert order_state(order) == state
        assert Product.objects.get(pk=product.pk).stock == 5
        assert not OrderEmail.objects.exists()
        return

    after, stock_change, refund, email = expected
    applied = order_apply(order=order, event=event)

    order.refresh_from_db()
    assert order_state(order) == after
    assert Product.objects.get(pk=product.pk).stock == 5 + stock_change
    assert applied.step.refund is refund
    assert list(OrderEmail.objects.values_list("kind", flat=True)) == ([email] if email else [])


@pytest.mark.django_db
def test_a_late_payment_for_an_expired_order_whose_stock_is_gone_owes_a_refund_and_reinstates_nothing():
    order, product = order_in(State.EXPIRED, stock=1)
    applied = order_apply(order=order, event=Event.PAY)
    order.refresh_from_db()
    assert order_state(order) == State.EXPIRED
    assert applied.step.refund is True
    assert Product.objects.get(pk=product.pk).stock == 1
    assert not OrderEmail.objects.exists()


@pytest.mark.django_db
def test_stock_and_sales_count_move_once_per_order_across_a_cancel_and_a_reinstatement():
    order, product = order_in(State.AWAITING_PAYMENT)
    OrderLineFactory(order=order, product=product, quantity=1)  # the same product on two lines
    order_apply(order=order, event=Event.EXPIRE)
    product.refresh_from_db()
    assert (product.stock, product.sales_count) == (8, 2)
    order_apply(order=order, event=Event.PAY)
    product.refresh_from_db()
    assert (product.stock, product.sales_count) == (5, 3)
    order.refresh_from_db()
    assert order.status == Status.PAID and order.cancel_reason == "" and order.paid_at is not None


@pytest.mark.django_db
def test_a_paid_order_loses_its_deadline_and_a_cancelled_one_records_when_and_why():
    order, _ = order_in(State.AWAITING_PAYMENT)
    Order.objects.filter(pk=order.pk).update(payment_due_at="2030-01-01T00:00Z")
    order_apply(order=order, event=Event.CANCEL)
    order.refresh_from_db()
    assert order.payment_due_at is None and order.cancelled_at is not None and order.cancel_reason == Reason.STAFF


@pytest.mark.django_db
def test_a_refused_step_explains_itself_to_staff():
    order, _ = order_in(State.SHIPPED)
    with pytest.raises(OrderStatusError, match="is shipped and can't be marked cancelled"):
        order_apply(order=order, event=Event.CANCEL)
