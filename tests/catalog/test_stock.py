"""Stock changes by deltas, each one in the ledger: sales, cancellations, staff adjustments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from catalog.admin import STOCK_MOVEMENTS_SHOWN
from catalog.forms import ProductAdminForm
from catalog.models import Product, StockMovement
from catalog.services import StockChange, StockError, stock_move
from shop.checkout.services import ShippingAddress, order_place
from shop.orders.holds import orders_expire_unpaid
from shop.orders.models import Order
from shop.orders.workflow import Event, order_apply
from shop.payments.services import order_cancel_with_refund
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind
ADDRESS = ShippingAddress(name="Ada Lovelace", line1="12 St James's Square", city="London", postcode="SW1Y 4JH")


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    settings.CART_DISCOUNT_PROVIDERS = []


@pytest.fixture
def staff():
    return UserFactory(username="stockkeeper", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def stocked(units: int, **fields) -> Product:
    """A product whose stock came in through the ledger, as in the shop."""
    product = ProductFactory(stock=0, price=Decimal("10.00"), **fields)
    stock_move(changes=[StockChange(product.pk, units)], kind=Kind.ADJUSTMENT, note="delivery")
    return product


def sell(product: Product, quantity: int, *, key: str):
    cart = CartFactory()
    CartLineFactory(cart=cart, product=product, quantity=quantity)
    return order_place(
        cart=cart, email="ada@example.com", address=ADDRESS, payment_method="bank_transfer", idempotency_key=key
    )


def ledger_total(product: Product) -> int:
    return StockMovement.objects.filter(product=product).aggregate(total=Sum("delta"))["total"] or 0


def change_form_data(client, product: Product, **overrides) -> dict:
    """What the product's change form posts as it was loaded now: the product's own fields and
    every inline's management form with its existing rows."""
    page = client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(formset.initial_forms))
        for i, row in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{i}-id"] = str(row.instance.pk)
            data[f"{formset.prefix}-{i}-{formset.fk.name}"] = str(product.pk)
    data.update(overrides)
    return data


def test_stock_move_applies_deltas_and_records_each_with_the_level_after(staff):
    product = ProductFactory(stock=0)

    levels = stock_move(
        changes=[StockChange(product.pk, 7), StockChange(product.pk, -2, "TD-AAAA-BBBB")],
        kind=Kind.ADJUSTMENT,
        note="count",
        staff=staff,
    )

    assert levels == {product.pk: 5}
    assert Product.objects.get(pk=product.pk).stock == 5
    movements = list(StockMovement.objects.filter(product=product).order_by("id"))
    assert [(m.delta, m.stock_after, m.order_number, m.note, m.staff) for m in movements] == [
        (7, 7, "", "count", staff),
        (-2, 5, "TD-AAAA-BBBB", "count", staff),
    ]


def test_stock_move_refuses_to_go_below_zero_and_changes_nothing():
    kept, short = stocked(4, name="Kept"), stocked(1, name="Short")

    with pytest.raises(StockError, match="“Short” has 1 in stock"):
        stock_move(changes=[StockChange(kept.pk, -1), StockChange(short.pk, -2)], kind=Kind.ADJUSTMENT)

    assert dict(Product.objects.filter(pk__in=[kept.pk, short.pk]).values_list("name", "stock")) == {
        "Kept": 4,
        "Short": 1,
    }
    assert StockMovement.objects.filter(kind=Kind.ADJUSTMENT, note="").count() == 0


def test_stock_move_ignores_zero_changes_and_refuses_an_unknown_kind():
    product = stocked(3)
    assert stock_move(changes=[StockChange(product.pk, 0)], kind=Kind.ADJUSTMENT) == {}
    with pytest.raises(ValueError, match="unknown stock movement kind"):
        stock_move(changes=[StockChange(product.pk, 1)], kind="gift")
    assert StockMovement.objects.filter(product=product).count() == 1


def test_a_sale_and_its_cancellation_are_in_the_ledger_with_the_order_number():
    product = stocked(5)

    order = sell(product, 2, key="ledger-sale-000000001")
    order_cancel_with_refund(order=order)

    rows = list(
        StockMovement.objects.filter(product=product).order_by("id").values_list("kind", "delta", "stock_after", "order_number")
    )
    assert rows == [
        (Kind.ADJUSTMENT, 5, 5, ""),
        (Kind.SALE, -2, 3, order.number),
        (Kind.CANCELLATION, 2, 5, order.number),
    ]
    assert Product.objects.get(pk=product.pk).sales_count == 0


def test_an_expired_order_gives_its_stock_back_as_expiry_and_a_late_payment_takes_it_again():
    product = stocked(4)
    order = sell(product, 3, key="ledger-expiry-0000001")
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))

    orders_expire_unpaid()
    order_apply(order=order, event=Event.PAY)

    rows = list(
        StockMovement.objects.filter(product=product).order_by("id").values_list("kind", "delta", "stock_after", "order_number")
    )
    assert rows[1:] == [
        (Kind.SALE, -3, 1, order.number),
        (Kind.EXPIRY, 3, 4, order.number),
        (Kind.SALE, -3, 1, order.number),
    ]
    product.refresh_from_db()
    assert (product.stock, product.sales_count, ledger_total(product)) == (1, 1, 1)


def test_a_late_payment_for_stock_sold_meanwhile_changes_no_stock():
    product = stocked(3)
    order = sell(product, 3, key="ledger-late-00000001")
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))
    orders_expire_unpaid()
    sell(product, 2, key="ledger-late-00000002")

    applied = order_apply(order=order, event=Event.PAY)

    assert applied.step.refund and Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    product.refresh_from_db()
    assert product.stock == ledger_total(product) == 1


def test_the_ledger_sums_to_the_stock_after_sales_cancellations_returns_and_adjustments(staff_client):
    # given: a product stocked, sold, cancelled, adjusted and returned to
    product = stocked(10)
    first = sell(product, 3, key="ledger-sum-000000001")
    sell(product, 2, key="ledger-sum-000000002")
    order_cancel_with_refund(order=first)
    staff_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        change_form_data(staff_client, product, stock_change="-4", stock_note="broken in the warehouse"),
    )
    staff_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        change_form_data(staff_client, product, stock_change="1", stock_kind=Kind.RETURN, stock_note="returned parcel"),
    )

    # then: 10 - 3 - 2 + 3 - 4 + 1
    product.refresh_from_db()
    assert product.stock == 5
    assert ledger_total(product) == product.stock
    newest = StockMovement.objects.filter(product=product).first()
    assert (newest.kind, newest.delta, newest.stock_after, newest.note, newest.staff.username) == (
        Kind.RETURN, 1, 5, "returned parcel", "stockkeeper",
    )


def test_a_product_form_loaded_before_a_sale_does_not_undo_the_sale_when_saved(staff_client):
    # given: staff open the product while 5 are in stock
    product = stocked(5)
    stale = change_form_data(staff_client, product, name="Renamed while selling")
    # when: 3 are sold, then the form is saved
    sell(product, 3, key="stale-form-000000001")
    response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), stale)

    # then: the edit is saved and the sale stands
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.stock, product.sales_count) == ("Renamed while selling", 2, 1)
    assert ledger_total(product) == 2


def test_a_sale_committed_while_the_form_is_being_saved_is_kept(staff_client, monkeypatch):
    # given: a sale lands after the admin read the product for this POST, before it saves it
    product = stocked(5)
    clean = ProductAdminForm.clean

    def clean_then_a_sale_lands(form):
        cleaned = clean(form)
        stock_move(changes=[StockChange(product.pk, -3, "TD-RACE-0001")], kind=Kind.SALE)
        Product.objects.filter(pk=product.pk).update(sales_count=F("sales_count") + 1, rating_count=F("rating_count") + 1)
        return cleaned

    monkeypatch.setattr(ProductAdminForm, "clean", clean_then_a_sale_lands)

    response = staff_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        change_form_data(staff_client, product, price="12.00"),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.stock, product.sales_count, product.rating_count) == (Decimal("12.00"), 2, 1, 1)


def test_a_stale_form_with_an_adjustment_adds_it_to_the_stock_as_it_is_now(staff_client):
    product = stocked(5)
    stale = change_form_data(staff_client, product, stock_change="10", stock_note="delivery 4512")
    sell(product, 3, key="stale-adjust-0000001")

    staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), stale)

    assert Product.objects.get(pk=product.pk).stock == 12


def test_a_posted_stock_figure_is_ignored(staff_client):
    product = stocked(5)
    staff_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]), change_form_data(staff_client, product, stock="500")
    )
    assert Product.objects.get(pk=product.pk).stock == 5


@pytest.mark.parametrize(
    ("change", "note", "field", "message"),
    [
        ("0", "count", "stock_change", "other than 0"),
        ("3", "", "stock_note", "Say why"),
        ("-6", "count", "stock_change", "Only 5 in stock"),
        ("1000000", "count", "stock_change", "less than or equal to 100000"),
    ],
)
def test_a_bad_adjustment_is_refused_with_a_clear_error_and_changes_nothing(staff_client, change, note, field, message):
    product = stocked(5, name="Kept name")

    response = staff_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        change_form_data(staff_client, product, name="Not saved", stock_change=change, stock_note=note),
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    product.refresh_from_db()
    assert (product.name, product.stock) == ("Kept name", 5)
    assert StockMovement.objects.filter(product=product).count() == 1


def test_a_new_product_starts_empty_and_takes_its_first_stock_as_an_adjustment(staff_client):
    category = ProductFactory().category
    page = staff_client.get(reverse("admin:catalog_product_add"))
    data = {
        "name": "Enamel Mug", "slug": "enamel-mug", "sku": "MUG-1", "category": category.pk, "price": "8.50",
        "is_active": "on", "stock": "99", "stock_change": "12", "stock_note": "first delivery",
    }
    for inline in page.context["inline_admin_formsets"]:
        data |= {f"{inline.formset.prefix}-TOTAL_FORMS": "0", f"{inline.formset.prefix}-INITIAL_FORMS": "0"}

    response = staff_client.post(reverse("admin:catalog_product_add"), data)

    assert response.status_code == 302
    mug = Product.objects.get(sku="MUG-1")
    assert mug.stock == 12
    assert list(mug.stock_movements.values_list("kind", "delta", "note")) == [(Kind.ADJUSTMENT, 12, "first delivery")]


def test_the_product_page_shows_the_newest_movements_first_capped(staff_client, django_assert_max_num_queries):
    product = stocked(1)
    for n in range(STOCK_MOVEMENTS_SHOWN + 5):
        stock_move(changes=[StockChange(product.pk, 1)], kind=Kind.ADJUSTMENT, note=f"delivery {n}")

    with django_assert_max_num_queries(40):
        page = staff_client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is StockMovement)
    notes = [form.instance.note for form in inline.formset.initial_forms]
    assert len(notes) == STOCK_MOVEMENTS_SHOWN
    assert notes[0] == f"delivery {STOCK_MOVEMENTS_SHOWN + 4}"
    assert f"?product__id__exact={product.pk}" in page.content.decode()
    ledger = staff_client.get(reverse("admin:catalog_stockmovement_changelist"), {"product__id__exact": product.pk})
    assert ledger.context["cl"].result_count == STOCK_MOVEMENTS_SHOWN + 6


def test_the_ledger_can_not_be_edited_in_the_admin(staff_client):
    product = stocked(3)
    movement = product.stock_movements.get()
    assert staff_client.get(reverse("admin:catalog_stockmovement_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:catalog_stockmovement_change", args=[movement.pk]), {"delta": "50", "note": "x"}
    )
    assert response.status_code == 403
    assert StockMovement.objects.get(pk=movement.pk).delta == 3
