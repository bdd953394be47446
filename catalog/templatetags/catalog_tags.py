"""Template helpers for product pictures, stock, prices and the category nav.

    {% load catalog_tags %}
    {% product_thumb product "thumb" %}          <img> of the main picture (or placeholder)
    {% product_image_url product "medium" %}     just the URL ("thumb", "medium" or "full")
    {% stock_badge product %}                    "In stock" / "Only 3 left" / "Out of stock"
    {{ product.price|money }}                    "£1,234.50"
    {% url_with_params page=3 %}                 the current query string with page=3
    {% elided_pages page_obj as pages %}         1 … 4 5 6 … 20
    {% category_nav %}                           the site-wide category bar (cached)
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog.artwork import hue_for
from catalog.images import RENDITIONS, product_image_urls
from catalog.selectors import category_tree

register = template.Library()

# "full" is at least the medium size; the <img> width/height only reserve the layout box.
IMAGE_SIZES = {"thumb": RENDITIONS["thumb"].size, "medium": RENDITIONS["medium"].size}
IMAGE_SIZES["full"] = IMAGE_SIZES["medium"]


@register.simple_tag
def product_image_url(product, size="thumb"):
    return product_image_urls(product)[size if size in IMAGE_SIZES else "thumb"]


@register.simple_tag
def product_thumb(product, size="thumb", css_class="", lazy=True, sizes=""):
    """An <img> of the product's main picture. With `sizes` (a CSS sizes value) the
    browser also gets a srcset of every rendition and picks a sharp one itself."""
    size = size if size in IMAGE_SIZES else "thumb"
    side = IMAGE_SIZES[size]
    urls = product_image_urls(product)
    srcset = ""
    if sizes:
        srcset = format_html(
            ' srcset="{} {}w, {} {}w" sizes="{}"',
            urls["thumb"], IMAGE_SIZES["thumb"], urls["medium"], IMAGE_SIZES["medium"], sizes,
        )
    return format_html(
        '<img src="{}"{} alt="{}" width="{}" height="{}" class="{}"{}>',
        urls[size],
        srcset,
        product.name,
        side,
        side,
        css_class,
        mark_safe(' loading="lazy" decoding="async"') if lazy else "",
    )


STOCK_BADGES = {
    "in": ("badge-success", "In stock"),
    "low": ("badge-accent", "Only {stock} left"),
    "out": ("badge-danger", "Out of stock"),
}


@register.simple_tag
def stock_badge(product):
    css, text = STOCK_BADGES[product.stock_state]
    return format_html(
        '<span class="badge stock-badge stock-{} {}">{}</span>',
        product.stock_state,
        css,
        text.format(stock=product.stock),
    )


@register.filter
def money(value):
    """£ and two decimal places with thousands separators; Decimal in, never float."""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sign = "−" if amount < 0 else ""
    return f"{sign}{settings.CURRENCY_SYMBOL}{abs(amount):,.2f}"


@register.filter
def category_hue(name):
    """The hue (degrees) of a category's artwork, so CSS tiles match its product pictures."""
    return round(hue_for(str(name)) * 360)


@register.simple_tag(takes_context=True)
def url_with_params(context, **params):
    """The current path's query string with some parameters replaced (pagination, sort)."""
    query = context["request"].GET.copy()
    for key, value in params.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def elided_pages(page_obj):
    """Page numbers around the current one, with Paginator.ELLIPSIS in the gaps."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))


@register.inclusion_tag("catalog/partials/category_nav.html", takes_context=True)
def category_nav(context):
    """Top-level categories, from the cached tree (one query on a miss)."""
    request = context.get("request")
    return {
        "nav_items": category_tree().roots,
        "current_path": request.path if request else "",
    }
