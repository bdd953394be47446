"""Catalog: the category tree, product listings (category, search, price, availability,
sorted and paginated as on the pages) and product details."""

from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from ninja import Field, Query, Router, Schema

from api import presenters
from api.errors import ApiError
from api.schemas import CategoryOut, ErrorOut, ProductDetail, ProductPage
from catalog import selectors
from recommendations.personal.services import product_view_record

router = Router(tags=["Catalog"])

MAX_PAGE_SIZE = 100
SortKey = Literal[tuple([selectors.RELEVANCE_SORT.key, *selectors.SORT_OPTIONS])]


class ProductFilters(Schema):
    category: str | None = Field(None, description="A category's slug: its products and its subcategories'.")
    q: str = Field("", max_length=selectors.MAX_QUERY_LENGTH, description="Search words (name, description, SKU).")
    sort: SortKey | None = Field(None, description="Default: relevance with `q`, else popular.")
    min_price: Decimal | None = Field(None, ge=0)
    max_price: Decimal | None = Field(None, ge=0)
    in_stock: bool = False
    page: int = Field(1, ge=1)
    page_size: int = Field(settings.PRODUCTS_PER_PAGE, ge=1, le=MAX_PAGE_SIZE)


@router.get("/categories", response=list[CategoryOut], url_name="categories")
def categories(request):
    """Every category shoppers can see, parents before children, in the shop's order."""
    return [presenters.category(request, node) for node in selectors.category_tree().nodes]


@router.get("/products", response={200: ProductPage, 404: ErrorOut}, url_name="products")
def products(request, filters: Query[ProductFilters]):
    """Active products, filtered, sorted and paginated."""
    category_ids = None
    if filters.category:
        node, tree = selectors.category_get_by_slug(slug=filters.category)
        category_ids = tree.descendant_ids(node)
    sort = selectors.sort_option(filters.sort, search=bool(filters.q.strip()))
    listing = selectors.product_listing(
        sort=sort, query=filters.q, category_ids=category_ids,
        min_price=filters.min_price, max_price=filters.max_price, in_stock=filters.in_stock,
    )
    paginator = Paginator(listing, filters.page_size)
    try:
        page = paginator.page(filters.page)
    except EmptyPage:
        raise ApiError(
            404, "no_such_page", f"There is no page {filters.page}: the listing has {paginator.num_pages}."
        ) from None
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "page_size": filters.page_size,
        "items": [presenters.product_card(request, product) for product in page.object_list],
    }


def _detail(request, product):
    # A product opened through the API is "recently viewed" as on its page: a customer's
    # (Bearer token or the shop's session) on their account, a browser guest's in its cookie.
    product_view_record(request=request, product_id=product.pk)
    tree = selectors.category_tree()
    node = tree.by_id.get(product.category_id)
    return presenters.product_detail(request, product, breadcrumbs=(tree.ancestors(node) + [node]) if node else [])


@router.get("/products/{int:product_id}", response={200: ProductDetail, 404: ErrorOut}, url_name="product")
def product(request, product_id: int):
    """One active product with its pictures, attributes and breadcrumbs."""
    return _detail(request, selectors.product_for_page(pk=product_id))


@router.get("/products/by-slug/{slug}", response={200: ProductDetail, 404: ErrorOut}, url_name="product-by-slug")
def product_by_slug(request, slug: str):
    """The same, by the slug of the product's page (for a front end that routes by URL)."""
    return _detail(request, selectors.product_for_page(slug=slug))
