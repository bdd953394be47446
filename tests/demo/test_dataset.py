import csv
import io
import lzma
from decimal import Decimal

from django.core.management import call_command

from shop.demo.cleaning import CleanDataset, InvoiceRecord, LineRecord, ProductRecord
from shop.demo.dataset import DEFAULT_DIR, FILES, LINES, read_dataset, write_dataset

DATA = CleanDataset(
    products=[
        ProductRecord(sku="22423", description="REGENCY CAKESTAND 3 TIER", price=Decimal("12.75")),
        ProductRecord(sku="85123A", description="WHITE HANGING HEART T-LIGHT HOLDER", price=Decimal("2.95")),
    ],
    invoices=[
        InvoiceRecord(number="536365", placed_at="2010-12-01 08:26", customer="17850", country="United Kingdom"),
        InvoiceRecord(number="536366", placed_at="2010-12-01 08:28", customer="", country="France"),
    ],
    lines=[
        LineRecord(invoice="536365", sku="85123A", quantity=6, unit_price=Decimal("2.55")),
        LineRecord(invoice="536365", sku="22423", quantity=1, unit_price=Decimal("12.75")),
        LineRecord(invoice="536366", sku="85123A", quantity=32, unit_price=Decimal("2.95")),
    ],
)


def test_the_data_set_reads_back_as_written(tmp_path):
    write_dataset(DATA, tmp_path)

    assert read_dataset(tmp_path) == DATA


def test_a_line_at_the_product_price_stores_no_price(tmp_path):
    write_dataset(DATA, tmp_path)

    with lzma.open(tmp_path / LINES, "rt", newline="") as fh:
        prices = [row["unit_price"] for row in csv.DictReader(fh)]
    assert prices == ["2.55", "", ""]


def test_a_limit_reads_the_first_invoices_and_only_their_lines(tmp_path):
    write_dataset(DATA, tmp_path)

    data = read_dataset(tmp_path, limit=1)

    assert [inv.number for inv in data.invoices] == ["536365"]
    assert {line.invoice for line in data.lines} == {"536365"}
    assert len(data.products) == 2


def test_the_catalogue_and_invoices_can_be_read_without_the_lines(tmp_path):
    write_dataset(DATA, tmp_path)

    data = read_dataset(tmp_path, lines=False)

    assert (data.products, data.invoices, data.lines) == (DATA.products, DATA.invoices, [])


def test_build_demo_data_cleans_a_raw_csv_into_the_compact_files(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
        "536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850,United Kingdom\n"
        "C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-6,2010-12-01 09:41:00,2.55,17850,United Kingdom\n"
        "536366,85123a,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-01 08:28:00,2.55,,France\n"
    )

    call_command("build_demo_data", raw=raw, out=tmp_path / "out", stdout=io.StringIO())

    data = read_dataset(tmp_path / "out")
    assert [(p.sku, p.price) for p in data.products] == [("85123A", Decimal("2.55"))]
    assert [(i.number, i.customer) for i in data.invoices] == [("536365", "17850"), ("536366", "")]
    assert [(line.invoice, line.quantity) for line in data.lines] == [("536365", 6), ("536366", 2)]


def test_the_shipped_data_set_is_compact_and_complete():
    size = sum((DEFAULT_DIR / name).stat().st_size for name in FILES)
    data = read_dataset(DEFAULT_DIR)

    assert size < 3_000_000  # "a few MB at most"
    # The README's cleaning keeps 19,773 invoices and 3,907 stock codes; 109 of those codes
    # are lower-case duplicates ("85123a") of another, merged into one product.
    assert len(data.invoices) == 19_773
    assert len(data.products) == 3_798
    # 527,758 sale rows, with a product's repeats at one price within an invoice merged.
    assert len(data.lines) == 517_736
