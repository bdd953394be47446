from decimal import Decimal

import pytest

from shop.demo.cleaning import InvoiceRecord, clean_rows, count_sale_rows, is_sale, product_name


def row(
    invoice="536365",
    code="85123A",
    description="WHITE HANGING HEART T-LIGHT HOLDER",
    quantity="6",
    date="2010-12-01 08:26:00",
    price="2.55",
    customer="17850",
    country="United Kingdom",
):
    return {
        "InvoiceNo": invoice,
        "StockCode": code,
        "Description": description,
        "Quantity": quantity,
        "InvoiceDate": date,
        "UnitPrice": price,
        "CustomerID": customer,
        "Country": country,
    }


@pytest.mark.parametrize(
    ("overrides", "kept"),
    [
        ({}, True),
        ({"invoice": "C536379"}, False),  # cancellation
        ({"invoice": "A563185", "code": "B"}, False),  # bad-debt adjustment
        ({"quantity": "-1"}, False),
        ({"quantity": "0"}, False),
        ({"price": "0"}, False),
        ({"price": "-11062.06"}, False),
        ({"code": "POST", "description": "POSTAGE"}, False),
        ({"code": "DOT", "description": "DOTCOM POSTAGE"}, False),
        ({"code": "M", "description": "Manual"}, False),
        ({"code": "m", "description": "Manual"}, False),
        ({"code": "BANK CHARGES"}, False),
        ({"code": "AMAZONFEE"}, False),
        ({"code": "C2", "description": "CARRIAGE"}, False),
        ({"code": "D", "description": "Discount"}, False),
        ({"code": "S", "description": "SAMPLES"}, False),
        ({"code": "PADS"}, False),
        ({"code": "CRUK"}, False),
        ({"code": "gift_0001_20", "description": "Dotcomgiftshop Gift Voucher £20.00"}, False),
        ({"code": "DCGS0003", "description": "BOXED GLASS ASHTRAY"}, True),  # sold on eBay, still goods
        ({"customer": ""}, True),  # guest orders are kept
        ({"quantity": "six"}, False),
    ],
)
def test_a_row_is_a_sale_only_when_it_sells_goods(overrides, kept):
    assert is_sale(row(**overrides)) is kept


def test_cleaning_drops_everything_that_is_not_a_sale_of_goods():
    rows = [
        row(),
        row(invoice="C536379", quantity="-6"),
        row(code="POST", description="POSTAGE", price="18.00"),
        row(code="22633", description="HAND WARMER UNION JACK", quantity="0"),
    ]

    data = clean_rows(rows)

    assert [p.sku for p in data.products] == ["85123A"]
    assert [i.number for i in data.invoices] == ["536365"]
    assert count_sale_rows(rows) == 1


def test_stock_codes_differing_only_in_case_are_one_product():
    data = clean_rows([row(code="85123A"), row(invoice="536366", code="85123a")])

    assert [p.sku for p in data.products] == ["85123A"]
    assert {line.sku for line in data.lines} == {"85123A"}


def test_a_product_repeated_at_one_price_within_an_invoice_becomes_one_line():
    data = clean_rows([row(quantity="6"), row(quantity="2"), row(quantity="1", price="2.95")])

    assert [(line.quantity, line.unit_price) for line in data.lines] == [(8, Decimal("2.55")), (1, Decimal("2.95"))]


def test_product_price_is_the_most_common_unit_price_and_a_tie_goes_to_the_higher_price():
    common = clean_rows([row(price="2.55"), row(invoice="2", price="2.55"), row(invoice="3", price="2.95")])
    tied = clean_rows([row(price="2.55"), row(invoice="2", price="2.95")])

    assert common.products[0].price == Decimal("2.55")
    assert tied.products[0].price == Decimal("2.95")  # 2.55 is the wholesale quantity price


def test_product_description_is_the_most_common_one():
    data = clean_rows(
        [
            row(description="WRAP CAROUSEL"),
            row(invoice="2", description="WRAP,  CAROUSEL"),
            row(invoice="3", description="WRAP CAROUSEL "),
        ]
    )

    assert data.products[0].description == "WRAP CAROUSEL"


def test_invoices_keep_their_first_time_customer_and_country_in_date_order():
    data = clean_rows(
        [
            row(invoice="536400", date="2010-12-02 09:00:00", customer="", country="France"),
            row(invoice="536365", date="2010-12-01 08:27:00", customer="17850.0"),
            row(invoice="536365", code="71053", date="2010-12-01 08:26:00", customer="17850.0"),
        ]
    )

    assert data.invoices == [
        InvoiceRecord(number="536365", placed_at="2010-12-01 08:26", customer="17850", country="United Kingdom"),
        InvoiceRecord(number="536400", placed_at="2010-12-02 09:00", customer="", country="France"),
    ]
    assert [line.invoice for line in data.lines] == ["536365", "536365", "536400"]


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN ", "Set of 3 Cake Tins Pantry Design"),
        ("BOX OF 6 MINI 50'S CRACKERS", "Box of 6 Mini 50's Crackers"),
        ("SET/6 PURPLE BUTTERFLY T-LIGHTS", "Set/6 Purple Butterfly T-Lights"),
        ("RED TOADSTOOL LED NIGHT LIGHT", "Red Toadstool LED Night Light"),
        ("WRAP,CAROUSEL", "Wrap, Carousel"),
        ("LUNCH BAG BLACK SKULL.", "Lunch Bag Black Skull"),
        ("Dad's Cab Electronic Meter", "Dad's Cab Electronic Meter"),  # typed with care: kept
    ],
)
def test_product_names_are_title_cased_without_str_title_mistakes(description, name):
    assert product_name(description) == name
