"""The API's request and response shapes (pydantic, through Django Ninja): what the OpenAPI
schema documents. Money is a string with two decimals ("12.50"), never a float."""

from typing import Annotated

from ninja import Field, Schema

Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["12.50"])]


class FieldError(Schema):
    field: str | None = Field(description="The input (null: the request as a whole).")
    code: str
    message: str


class ErrorOut(Schema):
    code: str = Field(description="Stable, for programs: invalid, not_found, out_of_stock, too_many_lines, …")
    message: str = Field(description="For people: the words the shop's pages show.")
    fields: list[FieldError] = Field(default_factory=list, description="What was wrong with which input.")


# Catalog ---------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None
    description: str
    is_featured: bool
    url: str


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class Images(Schema):
    thumb: str
    medium: str
    full: str


class ProductCard(Schema):
    id: int
    name: str
    slug: str
    price: Money
    currency: str
    category: CategoryRef | None
    stock_state: str = Field(description="in, low (a few left) or out")
    available: bool
    max_quantity: int = Field(description="The most one cart line can hold now.")
    image: Images
    url: str


class AttributeOut(Schema):
    name: str
    value: str
    unit: str


class ImageOut(Images):
    alt: str


class ProductDetail(ProductCard):
    sku: str
    description: str
    images: list[ImageOut]
    attributes: list[AttributeOut]
    breadcrumbs: list[CategoryRef]


class ProductPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[ProductCard]


# Cart --------------------------------------------------------------------------------------


class AdjustmentOut(Schema):
    label: str
    amount: Money
    code: str


class TotalsOut(Schema):
    subtotal: Money
    discount: Money
    adjustments: list[AdjustmentOut]
    shipping: Money
    total: Money
    free_shipping_threshold: Money
    free_shipping_gap: Money


class CartLineOut(Schema):
    id: int
    product: ProductCard
    quantity: int
    line_total: Money
    problem: str = Field(description="Why the line can't be bought as it is; empty when it can.")


class CartOut(Schema):
    lines: list[CartLineOut]
    item_count: int
    totals: TotalsOut
    can_check_out: bool
    problems: list[str]
    currency: str


QUANTITY = {"minimum": 1, "maximum": 99}


def rec_token_field(what: str):
    return Field(
        None, max_length=500,
        description=f"The `token` of {what}, so the add is credited to the recommendation (within 7 days of "
        "being shown). Without a valid one the add happens all the same, credited to nothing.",
    )


class CartAddIn(Schema):
    product: int
    quantity: int = Field(1, json_schema_extra=QUANTITY)
    rec_token: str | None = rec_token_field("the recommendation the product was added from")


class CartLineIn(Schema):
    quantity: int = Field(json_schema_extra=QUANTITY)


class FbtAddIn(Schema):
    anchor: int = Field(description="The product whose “Frequently bought together” it is.")
    products: list[int] = Field(
        max_length=20, description="What to add: the anchor's id to add it too, and any of the items offered with it."
    )
    rec_token: str | None = rec_token_field("one of the block's items that is added")


class UpgradeIn(Schema):
    line: int = Field(description="The cart line to upgrade.")
    product: int = Field(description="The upgrade offered for it (`upgrades` of /cart/recommendations).")
    rec_token: str | None = rec_token_field("the upgrade offered for the line")


class BundleAddIn(Schema):
    bundle: int
    rec_token: str | None = rec_token_field("the bundle offer")


# Recommendations ---------------------------------------------------------------------------


class RecommendationOut(Schema):
    product: ProductCard
    source: str = Field(description="curated, copurchase, category, bestseller, upgrade, ladder or bundle")
    reason: str = Field(description="Why it is shown, in words for the shopper.")
    pitch: str
    anchor_id: int | None
    price_delta: Money | None = Field(description="Upgrades: the difference in price.")
    token: str = Field(
        description="Send it to POST /recommendations/clicks when the item is opened, and as `rec_token` when it is "
        "added (POST /cart/items, /cart/fbt or /cart/upgrades)."
    )


class FbtOut(Schema):
    anchor: ProductCard
    items: list[RecommendationOut]
    total: Money = Field(description="The anchor and every item, one of each.")


class FbtBlockOut(Schema):
    fbt: FbtOut | None


class UpgradeOut(Schema):
    item: RecommendationOut | None


class TierColumnOut(Schema):
    product: ProductCard
    label: str
    is_current: bool
    is_recommended: bool
    price_delta: Money
    available: bool
    token: str | None = Field(description="None for the product being viewed.")


class TierCellOut(Schema):
    text: str
    flag: bool | None


class TierRowOut(Schema):
    name: str
    differs: bool
    cells: list[TierCellOut]


class TierChartOut(Schema):
    name: str
    columns: list[TierColumnOut]
    rows: list[TierRowOut]


class TiersOut(Schema):
    chart: TierChartOut | None


class BundleLineOut(Schema):
    product: ProductCard
    quantity: int


class BundleOfferOut(Schema):
    id: int
    name: str
    lines: list[BundleLineOut]
    price: Money
    saving: Money
    final_price: Money
    token: str = Field(description="Send it as `rec_token` with POST /cart/bundles, so the add is credited to the offer.")


class BundleOut(Schema):
    bundle: BundleOfferOut | None


class ProductRecommendationsOut(Schema):
    upgrade: RecommendationOut | None
    fbt: FbtOut | None
    tier_chart: TierChartOut | None
    bundle: BundleOfferOut | None


class RecommendationList(Schema):
    items: list[RecommendationOut]


class LineUpgradeOut(Schema):
    line_id: int
    item: RecommendationOut


class ShippingBarOut(Schema):
    free_shipping_threshold: Money
    free_shipping_gap: Money
    progress: int = Field(description="Percent of the way to free delivery.")
    fillers: list[RecommendationOut]


class CartRecommendationsOut(Schema):
    complete: list[RecommendationOut]
    upgrades: list[LineUpgradeOut]
    shipping_bar: ShippingBarOut | None


class ForYouOut(Schema):
    kind: str = Field(
        description="for_you (from what the visitor viewed and bought), today (a first visit: today's best "
        "sellers) or bestsellers (a first visit on a quiet day: the best sellers of all time)"
    )
    items: list[RecommendationOut]


class AlsoBoughtOut(Schema):
    anchor: ProductCard | None
    items: list[RecommendationOut]


class ClickIn(Schema):
    token: str = Field(max_length=500)


class ClickOut(Schema):
    product_id: int
    placement: str
    source: str
