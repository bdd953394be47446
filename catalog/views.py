from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, cached_property

from catalog import selectors
from catalog.fragments import versioned_value


def _page(request, queryset):
    """The requested page; Paginator.get_page turns junk or out-of-range numbers into a
    real page instead of an error."""
    paginator = Paginator(queryset, settings.PRODUCTS_PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


def category_detail(request, slug):
    """A category's products, its descendants' included, sorted and paginated."""
    category, tree = selectors.category_get_by_slug(slug=slug)
    sort = selectors.sort_option(request.GET.get("sort"))
    products = selectors.product_list(category_ids=tree.descendant_ids(category), sort=sort)
    return render(
        request,
        "catalog/category_detail.html",
        {
            "category": category,
            "ancestors": tree.ancestors(category),
            "subcategories": tree.children(category),
            # Read only when the listing is rendered, not when it is served from the cache.
            "page_obj": SimpleLazyObject(lambda: _page(request, products)),
            "sort": sort,
            "sort_options": selectors.sort_options(),
        },
    )


def search(request):
    query = request.GET.get("q", "").strip()[: selectors.MAX_QUERY_LENGTH]
    sort = selectors.sort_option(request.GET.get("sort"), search=True)
    context = {"query": query, "sort": sort, "sort_options": selectors.sort_options(search=True)}
    if query:
        context["page_obj"] = _page(request, selectors.product_search(query=query, sort=sort))
    if not query or not context["page_obj"].paginator.count:
        context["categories"] = selectors.categories_for_home()  # somewhere to go instead
    return render(request, "catalog/search.html", context)


class ProductPage:
    """What the product page shows beyond the product row, read only when a fragment of the
    page is rendered rather than served from the cache (catalog.fragments)."""

    def __init__(self, product):
        self.product = product

    @cached_property
    def load(self) -> str:
        """`{{ page.load }}` first thing in a fragment: reads the images and attribute values."""
        selectors.product_details_load(self.product)
        return ""

    @cached_property
    def images(self):
        self.load  # noqa: B018 (the read)
        return list(self.product.images.all())

    @cached_property
    def attribute_values(self):
        self.load  # noqa: B018 (the read)
        return list(self.product.attribute_values.all())

    @cached_property
    def ancestors(self):
        tree = selectors.category_tree()
        category = tree.by_id.get(self.product.category_id)
        return (tree.ancestors(category) + [category]) if category else []


def product_detail(request, slug):
    # The row itself is cached under the pages version too: any write to a product moves it on.
    product = versioned_value(
        request, name="product-row", args=(slug,), compute=lambda: selectors.product_for_page(slug=slug, with_details=False)
    )
    page = ProductPage(product)
    return render(request, "catalog/product_detail.html", {"product": product, "page": page})
