from django.shortcuts import render

from catalog import selectors


def home(request):
    """The home page: featured categories and products, best sellers when nothing is featured."""
    products_kind, products = selectors.products_for_home()
    return render(
        request,
        "home.html",
        {
            "categories": selectors.categories_for_home(),
            "products_kind": products_kind,
            "products": products,
            "new_products": selectors.products_newest(),
        },
    )
