from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from catalog import selectors


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
            "page_obj": _page(request, products),
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


def product_detail(request, slug):
    product = selectors.product_for_page(slug=slug)
    tree = selectors.category_tree()
    category = tree.by_id.get(product.category_id)
    images = list(product.images.all())
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "images": images,
            "ancestors": (tree.ancestors(category) + [category]) if category else [],
            "attribute_values": list(product.attribute_values.all()),
        },
    )
