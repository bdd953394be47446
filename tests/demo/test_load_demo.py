"""load_demo on the small sample shipped in tests/demo/sample (the first 40 invoices of the data set)."""

import io
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from catalog.models import Attribute, Category, Product, ProductAttributeValue, ProductImage, StockMovement
from recommendations.models import Complement, LadderTier, TierLadder
from shop.addons.models import Service
from shop.demo import handmade
from shop.demo.cleaning import CleanDataset, InvoiceRecord, LineRecord, ProductRecord
from shop.demo.dataset import read_dataset, write_dataset
from shop.demo.guards import SIMULATED_CUSTOMER_REF
from shop.demo.models import DemoLoad
from shop.demo.services import demo_load, demo_reset
from shop.offers.models import Deal
from shop.offers.selectors import live_deals
from shop.orders.models import Order, OrderLine
from tests.factories import OrderFactory, ProductFactory

SAMPLE = Path(__file__).resolve().parent / "sample"
pytestmark = pytest.mark.django_db

# One guest order placed in British Summer Time.
TINY = CleanDataset(
    products=[ProductRecord(sku="22423", description="REGENCY CAKESTAND 3 TIER", price=Decimal("12.75"))],
    invoices=[InvoiceRecord(number="556000", placed_at="2011-06-08 10:15", customer="", country="EIRE")],
    lines=[LineRecord(invoice="556000", sku="22423", quantity=2, unit_price=Decimal("12.75"))],
)


def load(*args):
    out = io.StringIO()
    call_command("load_demo", "--source", str(SAMPLE), *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def table_sizes():
    return {
        model.__name__: model.objects.count()
        for model in (
            Category,
            Product,
            Order,
            OrderLine,
            Attribute,
            ProductAttributeValue,
            TierLadder,
            LadderTier,
            Complement,
            Service,
            Deal,
            DemoLoad,
        )
    }


def test_load_demo_creates_the_sample_catalogue_and_orders():
    sample = read_dataset(SAMPLE)

    output = load("--no-images")

    assert "40 orders" in output and f"{len(sample.lines)} order lines" in output
    assert Product.objects.count() == len(sample.products) + len(handmade.PRODUCTS)
    assert Order.objects.count() == len(sample.invoices) == 40
    assert OrderLine.objects.count() == len(sample.lines)
    assert DemoLoad.objects.get().orders == 40


def test_the_demo_has_deals_of_the_day_for_a_fortnight_from_the_load():
    load("--no-images")

    deals = live_deals()
    assert {Product.objects.get(pk=pid).sku for pid in deals} == {"TD-TOAST-2", "TD-DESCALE"}
    assert all(13 <= (deal.ends_at - deal.starts_at).days <= 14 for deal in deals.values())


def test_a_second_run_says_so_and_changes_nothing():
    load("--no-images")
    before = table_sizes()

    output = load("--no-images")

    assert "already loaded" in output
    assert table_sizes() == before


def test_reset_wipes_the_demo_rows_and_loads_them_again_without_touching_other_rows():
    load("--no-images")
    before = table_sizes()
    own_product = ProductFactory(sku="MY-OWN", category=Category.objects.get(slug="storage"))
    simulated = OrderFactory(number="TD-SIMU-0001", customer_ref=SIMULATED_CUSTOMER_REF)

    load("--reset", "--no-images")

    after = table_sizes()
    assert after["Product"] == before["Product"] + 1
    assert after["Order"] == before["Order"] + 1
    assert {k: v for k, v in after.items() if k not in ("Product", "Order")} == {
        k: v for k, v in before.items() if k not in ("Product", "Order")
    }
    assert Product.objects.filter(pk=own_product.pk).exists()
    assert Order.objects.filter(pk=simulated.pk).exists()


def test_reset_refuses_a_database_with_real_orders_and_changes_nothing():
    load("--no-images")
    OrderFactory(number="TD-REAL-0001")
    before = table_sizes()

    with pytest.raises(CommandError, match=r"holds 1 real order \(TD-REAL-0001\): load_demo --reset would write"):
        load("--reset", "--no-images")

    assert table_sizes() == before


def test_a_first_load_refuses_a_shop_that_already_trades_but_a_second_run_just_says_it_is_loaded():
    OrderFactory(number="TD-REAL-0001")
    with pytest.raises(CommandError, match="real order"):
        load("--no-images")
    assert not Product.objects.exists()

    Order.objects.all().delete()
    load("--no-images")
    OrderFactory(number="TD-REAL-0002")
    assert "already loaded" in load("--no-images")


def test_historical_orders_keep_their_date_customer_and_totals():
    load("--no-images")

    order = Order.objects.get(number="OR536365")
    assert order.status == Order.Status.SHIPPED
    # 08:26 in London on 1 December is 08:26 UTC (GMT); in June it would be an hour earlier.
    assert order.placed_at == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert order.email == "customer-17850@example.com"
    assert order.customer_ref == "17850"
    assert order.shipping_country == "United Kingdom"
    line = order.lines.get(sku="85123A")
    assert (line.name, line.unit_price, line.quantity, line.line_total) == (
        "White Hanging Heart T-Light Holder",
        Decimal("2.55"),
        6,
        Decimal("15.30"),
    )
    assert line.product.sku == "85123A"
    for order in Order.objects.annotate(lines_total=Sum("lines__line_total")):
        assert order.subtotal == order.total == order.lines_total


def test_a_guest_order_in_summer_gets_an_invoice_address_and_british_summer_time(tmp_path):
    write_dataset(TINY, tmp_path)

    demo_load(source=tmp_path, images=False)

    order = Order.objects.get(number="OR556000")
    assert (order.email, order.customer_ref, order.shipping_country) == ("guest-556000@example.com", "", "EIRE")
    assert order.placed_at == datetime(2011, 6, 8, 9, 15, tzinfo=UTC)  # 10:15 BST
    assert order.total == Decimal("25.50")


def test_sales_count_is_the_number_of_orders_containing_the_product():
    load("--no-images")

    counted = dict(Product.objects.annotate(n=Count("order_lines__order", distinct=True)).values_list("sku", "n"))
    assert dict(Product.objects.values_list("sku", "sales_count")) == counted
    assert Product.objects.get(sku="85123A").sales_count > 1


def test_products_get_names_slugs_categories_and_seeded_stock():
    load("--no-images")

    product = Product.objects.get(sku="85123A")
    assert product.name == "White Hanging Heart T-Light Holder"
    assert product.slug == "white-hanging-heart-t-light-holder"
    assert product.category.name == "Candle Holders"
    assert product.category.parent.name == "Candles & Lights"
    assert product.price == Decimal("2.95")
    stock = dict(Product.objects.values_list("sku", "stock"))

    load("--reset", "--no-images")

    assert dict(Product.objects.values_list("sku", "stock")) == stock  # the same seed, the same stock


def test_products_are_dated_by_their_first_sale():
    load("--no-images")

    assert Product.objects.get(sku="85123A").created_at.date().isoformat() == "2010-12-01"


def test_featured_categories_and_products_are_marked_for_the_home_page():
    load("--no-images")

    assert Category.objects.filter(is_featured=True, parent__isnull=True).count() >= 4
    featured = Product.objects.filter(is_featured=True)
    assert 4 <= featured.count() <= 12
    assert all(product.is_active and product.stock > 0 for product in featured)


def test_every_ladder_has_rising_prices_and_exactly_one_recommended_tier():
    load("--no-images")

    assert TierLadder.objects.count() >= 3 + 4  # the hand-made lines and the sample's own
    for ladder in TierLadder.objects.prefetch_related("tiers__product"):
        tiers = list(ladder.tiers.all())
        prices = [tier.product.price for tier in tiers]
        assert len(tiers) >= 2
        assert prices == sorted(prices) and len(set(prices)) == len(prices), ladder.name
        assert sum(tier.is_recommended for tier in tiers) == 1, ladder.name


def test_ladders_found_in_the_data_carry_size_or_pieces_attributes():
    load("--no-images")

    trellis = TierLadder.objects.get(name="Heart Ivory Trellis")
    tiers = list(trellis.tiers.select_related("product"))
    assert [tier.label for tier in tiers] == ["Small", "Large"]
    sizes = ProductAttributeValue.objects.filter(attribute__name="Size", product__ladder_tier__ladder=trellis)
    assert sorted(sizes.values_list("value", flat=True)) == ["Large", "Small"]


def test_the_hand_made_toasters_compare_on_rich_attributes():
    load("--no-images")

    toasters = TierLadder.objects.get(name="Toasters")
    tiers = list(toasters.tiers.select_related("product"))
    assert [(t.product.name, t.product.price) for t in tiers] == [
        ("Classic 2-Slice Toaster", Decimal("24.99")),
        ("Family 4-Slice Toaster", Decimal("34.99")),
        ("4-Slice Toaster with Bagel Setting", Decimal("39.99")),
    ]
    bagel = dict(ProductAttributeValue.objects.filter(product=tiers[2].product).values_list("attribute__name", "value"))
    assert bagel == {
        "Slices": "4",
        "Bagel setting": "yes",
        "Defrost": "yes",
        "Browning levels": "7",
        "Warranty": "2 years",
    }
    assert Attribute.objects.get(name="Bagel setting").kind == Attribute.Kind.BOOLEAN
    assert tiers[0].product.category.name == "Kitchen Appliances"
    sharpener = Complement.objects.get(product__sku="TD-KNIFE-5", complement__sku="TD-SHARPEN")
    assert sharpener.pitch == "Keeps the blade sharp"


def test_a_product_is_in_at_most_one_ladder():
    load("--no-images")

    per_product = Counter(LadderTier.objects.values_list("product_id", flat=True))
    assert per_product and max(per_product.values()) == 1


def test_limit_loads_only_the_first_invoices():
    load("--no-images", "--limit", "5")

    assert sorted(Order.objects.values_list("number", flat=True)) == [
        f"OR{inv.number}" for inv in sorted(read_dataset(SAMPLE).invoices[:5], key=lambda inv: inv.number)
    ]


def test_every_product_gets_a_generated_picture():
    report = demo_load(source=SAMPLE, workers=2)

    assert report.counts["images"] == Product.objects.count()
    assert not Product.objects.filter(images__isnull=True).exists()
    image = ProductImage.objects.select_related("product").get(product__sku="85123A")
    assert image.thumbnail and image.image.storage.exists(image.thumbnail.name)


def test_reset_deletes_the_demo_rows_and_their_picture_files(tmp_path, django_capture_on_commit_callbacks):
    write_dataset(TINY, tmp_path)
    demo_load(source=tmp_path, workers=1)
    image = ProductImage.objects.get(product__sku="22423")
    storage, names = image.image.storage, [image.image.name, image.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        demo_reset(source=tmp_path)

    assert not any(storage.exists(name) for name in names)
    assert not Product.objects.exists()
    assert not Order.objects.exists()
    assert not Category.objects.exists()
    assert not DemoLoad.objects.exists()


def test_the_demo_stock_comes_in_through_the_ledger_and_sums_to_each_level():
    load("--no-images")

    ledger = dict(
        StockMovement.objects.filter(kind=StockMovement.Kind.DEMO)
        .values("product__sku")
        .annotate(total=Sum("delta"))
        .values_list("product__sku", "total")
    )
    stocked = dict(Product.objects.filter(stock__gt=0).values_list("sku", "stock"))
    assert stocked and ledger == stocked
