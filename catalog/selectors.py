"""Reads for the storefront: the category tree, listings, search and the product page.

Every function returns querysets or values whose cost does not grow with the number of
products shown: listings select the category and prefetch images in one extra query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When, prefetch_related_objects
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse

from catalog.models import Category, Product, ProductAttributeValue, ProductImage

CATEGORY_TREE_CACHE_KEY = "catalog:category-tree:v1"
# Invalidated on every category save/delete (see apps.py); the timeout only bounds
# staleness after bulk writes that send no signals (bulk_create in the demo loader).
CATEGORY_TREE_TIMEOUT = 60 * 10
CATEGORY_PARENTS_CACHE_KEY = "catalog:category-parents:v1"
MAX_QUERY_LENGTH = 100
MAX_SEARCH_TERMS = 6


# ---------------------------------------------------------------------------
# Category tree


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    parent_id: int | None
    description: str
    is_featured: bool

    def get_absolute_url(self) -> str:
        # The category bar links every root on every page: reverse() once per slug (and
        # URLconf / script prefix, which are all the result depends on).
        return _category_url(self.slug, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=1024)
def _category_url(slug: str, urlconf: str, script_prefix: str) -> str:
    return reverse("catalog:category", kwargs={"slug": slug})


@dataclass
class CategoryTree:
    """All categories, read in one query and cached; walks are in memory."""

    nodes: list[CategoryNode]  # in the admin's order (position, name)
    by_id: dict[int, CategoryNode] = field(init=False)
    by_slug: dict[str, CategoryNode] = field(init=False)
    children_of: dict[int | None, list[CategoryNode]] = field(init=False)

    def __post_init__(self):
        self.by_id = {node.id: node for node in self.nodes}
        self.by_slug = {node.slug: node for node in self.nodes}
        self.children_of = {}
        for node in self.nodes:
            self.children_of.setdefault(node.parent_id, []).append(node)

    @property
    def roots(self) -> list[CategoryNode]:
        return self.children_of.get(None, [])

    def children(self, node: CategoryNode) -> list[CategoryNode]:
        return self.children_of.get(node.id, [])

    def ancestors(self, node: CategoryNode) -> list[CategoryNode]:
        """From the root down to the node's parent (for breadcrumbs)."""
        chain: list[CategoryNode] = []
        seen = {node.id}
        current = self.by_id.get(node.parent_id) if node.parent_id else None
        while current is not None and current.id not in seen:  # a cycle never loops forever
            chain.append(current)
            seen.add(current.id)
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return list(reversed(chain))

    def descendant_ids(self, node: CategoryNode) -> list[int]:
        """The node's id and those of every category below it."""
        ids, stack = [], [node.id]
        while stack:
            current = stack.pop()
            if current in ids:
                continue
            ids.append(current)
            stack.extend(child.id for child in self.children_of.get(current, []))
        return ids


def category_tree() -> CategoryTree:
    """The categories shoppers see: the visible ones whose ancestors are all visible."""
    nodes = cache.get(CATEGORY_TREE_CACHE_KEY)
    if nodes is None:
        nodes, _ = _cache_categories()
    return CategoryTree(nodes)


def _cache_categories() -> tuple[list[CategoryNode], dict[int, int | None]]:
    """Read every category once and cache both the tree and the parents (category_parents)."""
    rows = list(Category.objects.values("id", "name", "slug", "parent_id", "description", "is_featured", "is_active"))
    shown = _visible_ids(rows)
    nodes = [CategoryNode(**{k: v for k, v in row.items() if k != "is_active"}) for row in rows if row["id"] in shown]
    parents = {row["id"]: row["parent_id"] for row in rows}
    cache.set_many({CATEGORY_TREE_CACHE_KEY: nodes, CATEGORY_PARENTS_CACHE_KEY: parents}, CATEGORY_TREE_TIMEOUT)
    return nodes, parents


def _visible_ids(rows: list[dict]) -> set[int]:
    """Ids of the active categories whose every ancestor is active (walked from the roots)."""
    children: dict[int | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    shown: set[int] = set()
    stack = [row for row in children.get(None, []) if row["is_active"]]
    while stack:
        row = stack.pop()
        if row["id"] in shown:
            continue
        shown.add(row["id"])
        stack.extend(child for child in children.get(row["id"], []) if child["is_active"])
    return shown


def category_tree_invalidate() -> None:
    """Forget the cached tree; call after bulk category writes, which send no signals."""
    cache.delete_many([CATEGORY_TREE_CACHE_KEY, CATEGORY_PARENTS_CACHE_KEY])


def category_parents(*, refresh: bool = False) -> dict[int, int | None]:
    """Every category's parent id, hidden categories included, cached like the tree.

    For rules that apply to a category and everything below it whether or not shoppers can
    browse it (a hidden category's products stay on sale): service add-ons, say.
    """
    parents = None if refresh else cache.get(CATEGORY_PARENTS_CACHE_KEY)
    if parents is None:
        _, parents = _cache_categories()
    return parents


def category_lineages(category_ids) -> dict[int, list[int]]:
    """Each category's id followed by its ancestors' ids, nearest first, from the cached
    parents (read again, once, when it doesn't know one of them: a category created by a bulk
    write that sent no signal)."""
    category_ids = set(category_ids)
    parents = category_parents()
    if not category_ids <= parents.keys():
        parents = category_parents(refresh=True)
    lineages = {}
    for category_id in category_ids:
        chain, current = [], category_id
        while current is not None and current not in chain:  # a cycle never loops forever
            chain.append(current)
            current = parents.get(current)
        lineages[category_id] = chain
    return lineages


def category_get_by_slug(*, slug: str) -> tuple[CategoryNode, CategoryTree]:
    tree = category_tree()
    node = tree.by_slug.get(slug)
    if node is None:
        raise Http404("No such category.")
    return node, tree


def categories_for_home(*, limit: int = 8) -> list[CategoryNode]:
    """Featured categories, or the top-level ones when none is featured."""
    tree = category_tree()
    featured = [node for node in tree.nodes if node.is_featured]
    return (featured or tree.roots)[:limit]


# ---------------------------------------------------------------------------
# Product listings


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    ordering: tuple[str, ...]


# Every ordering ends with "id" so pages never overlap or skip equal-priced products.
SORT_OPTIONS = {
    option.key: option
    for option in (
        SortOption("popular", "Most popular", ("-sales_count", "name", "id")),
        SortOption("price-asc", "Price: low to high", ("price", "name", "id")),
        SortOption("price-desc", "Price: high to low", ("-price", "name", "id")),
        SortOption("newest", "Newest", ("-created_at", "-id")),
        SortOption("name", "Name A–Z", ("name", "id")),
    )
}
DEFAULT_SORT = "popular"
RELEVANCE_SORT = SortOption("relevance", "Best match", ("-name_match", "-sales_count", "name", "id"))


def sort_option(key: str | None, *, search: bool = False) -> SortOption:
    """The requested sort, or the default for anything unknown (never an error)."""
    if search and key in (None, "", RELEVANCE_SORT.key):
        return RELEVANCE_SORT
    return SORT_OPTIONS.get(key or "", SORT_OPTIONS[DEFAULT_SORT])


def sort_options(*, search: bool = False) -> list[SortOption]:
    return ([RELEVANCE_SORT] if search else []) + list(SORT_OPTIONS.values())


def product_images_prefetch() -> Prefetch:
    """A product's images in their order, the first being its main picture."""
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def products_for_cards(queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Active products with what a product card shows: category and images (one extra query)."""
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.active().select_related("category").prefetch_related(product_images_prefetch())


def product_list(*, category_ids: list[int] | None = None, sort: SortOption) -> QuerySet[Product]:
    queryset = products_for_cards()
    if category_ids is not None:
        queryset = queryset.filter(category_id__in=category_ids)
    return queryset.order_by(*sort.ordering)


def search_terms(query: str) -> list[str]:
    return query[:MAX_QUERY_LENGTH].split()[:MAX_SEARCH_TERMS]


def product_search(*, query: str, sort: SortOption) -> QuerySet[Product]:
    """Active products whose name or description contains every word of the query.

    `icontains` behaves the same on SQLite and PostgreSQL (Django escapes % and _);
    with a few thousand products it needs no search index. Names matching the whole
    query rank first under "Best match".
    """
    terms = search_terms(query)
    queryset = products_for_cards()
    if not terms:
        return queryset.none()
    for term in terms:
        queryset = queryset.filter(Q(name__icontains=term) | Q(description__icontains=term) | Q(sku__iexact=term))
    phrase = " ".join(terms)
    queryset = queryset.annotate(
        name_match=Case(
            When(name__icontains=phrase, then=Value(2)),
            When(Q(*[Q(name__icontains=term) for term in terms]), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return queryset.order_by(*sort.ordering)


def product_listing(
    *,
    sort: SortOption,
    query: str = "",
    category_ids: list[int] | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool = False,
) -> QuerySet[Product]:
    """A listing narrowed by any of: the words of a search, categories, a price range, and
    availability. The pages use the first two (search, category); the JSON API all of them."""
    queryset = product_search(query=query, sort=sort) if query.strip() else product_list(category_ids=category_ids, sort=sort)
    if query.strip() and category_ids is not None:
        queryset = queryset.filter(category_id__in=category_ids)
    if min_price is not None:
        queryset = queryset.filter(price__gte=min_price)
    if max_price is not None:
        queryset = queryset.filter(price__lte=max_price)
    if in_stock:
        queryset = queryset.in_stock()
    return queryset


def products_for_home(*, limit: int = 8) -> tuple[str, list[Product]]:
    """("featured", products) when staff featured some; ("bestsellers", …) otherwise.

    Only products in stock: a shop window full of "Out of stock" badges sells nothing.
    """
    available = products_for_cards().in_stock()
    featured = list(available.filter(is_featured=True).order_by("-sales_count", "name", "id")[:limit])
    if featured:
        return "featured", featured
    return "bestsellers", list(available.order_by("-sales_count", "name", "id")[:limit])


def products_newest(*, limit: int = 4) -> list[Product]:
    return list(products_for_cards().in_stock().order_by("-created_at", "-id")[:limit])


# ---------------------------------------------------------------------------
# Product page


def _product_page_prefetches() -> list[Prefetch]:
    return [
        product_images_prefetch(),
        Prefetch(
            "attribute_values",
            queryset=ProductAttributeValue.objects.select_related("attribute").order_by(
                "attribute__position", "attribute__name"
            ),
        ),
    ]


def product_for_page(*, slug: str | None = None, pk: int | None = None, with_details: bool = True) -> Product:
    """An active product, by slug (the page) or id (the API), with its category and, unless
    `with_details` is false, its images and attribute values (three queries; one without:
    `product_details_load` reads them when the page is not served from the cache).

    Inactive products are not found: the page 404s rather than showing a product that
    cannot be bought.
    """
    queryset = Product.objects.active().select_related("category")
    if with_details:
        queryset = queryset.prefetch_related(*_product_page_prefetches())
    try:
        return queryset.get(**({"slug": slug} if pk is None else {"pk": pk}))
    except Product.DoesNotExist:
        raise Http404("No such product.") from None


def product_details_load(product: Product) -> Product:
    """Read a product's images and attribute values onto it (two queries, once)."""
    if not hasattr(product, "_prefetched_objects_cache") or "images" not in product._prefetched_objects_cache:
        prefetch_related_objects([product], *_product_page_prefetches())
    return product
