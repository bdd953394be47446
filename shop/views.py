from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, cached_property

from catalog import selectors


class HomeProducts:
    """The home page's grids, read only when the page is rendered rather than served from
    the cache (catalog.fragments)."""

    @cached_property
    def _home(self):
        return selectors.products_for_home()

    @property
    def kind(self) -> str:
        return self._home[0]

    @property
    def products(self):
        return self._home[1]


def home(request):
    """The home page: featured categories and products, best sellers when nothing is featured."""
    grids = HomeProducts()
    return render(
        request,
        "home.html",
        {
            "categories": selectors.categories_for_home(),
            "products_kind": SimpleLazyObject(lambda: grids.kind),
            "products": SimpleLazyObject(lambda: grids.products),
            "new_products": SimpleLazyObject(selectors.products_newest),
        },
    )
