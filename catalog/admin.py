from django.contrib import admin
from django.utils.html import format_html

from catalog.forms import ProductImageForm
from catalog.images import image_urls
from catalog.models import (
    LOW_STOCK_THRESHOLD,
    Attribute,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
)
from catalog.selectors import product_images_prefetch
from catalog.services import product_image_save, product_images_delete


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("in", "In stock"),
            ("low", f"Low stock ({LOW_STOCK_THRESHOLD} or fewer)"),
            ("out", "Out of stock"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "in":
                return queryset.filter(stock__gt=0)
            case "low":
                return queryset.filter(stock__gt=0, stock__lte=LOW_STOCK_THRESHOLD)
            case "out":
                return queryset.filter(stock=0)
        return queryset


def _preview(image: ProductImage | None, *, size: int) -> str:
    if image is None or not image.image:
        return "—"
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" style="object-fit:contain;border-radius:4px;background:#fff">',
        image_urls(image)["thumb"],
        size,
        size,
    )


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview")
    def preview(self, obj):
        return _preview(obj if obj.pk else None, size=80)


class ProductAttributeValueInline(admin.TabularInline):
    model = ProductAttributeValue
    extra = 1
    autocomplete_fields = ["attribute"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "sku", "category", "price", "stock", "is_active", "is_featured", "sales_count"]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["stock", "is_active"]
    list_filter = ["is_active", StockLevelFilter, "is_featured", "category"]
    list_select_related = ["category"]
    list_per_page = 50
    search_fields = ["name", "sku"]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["sales_count", "rating_average", "rating_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "sku", "category", "description"]}),
        ("Price and stock", {"fields": ["price", "stock", "is_active", "is_featured", "is_consumable"]}),
        (
            "Statistics",
            {
                "fields": ["sales_count", "rating_average", "rating_count", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    # A plain list: the recommendations app appends its own inlines to it.
    inlines = [ProductImageInline, ProductAttributeValueInline]

    def delete_model(self, request, obj):
        # The images' files go once the deletion is committed (the admin's view is atomic).
        product_images_delete(images=obj.images.all())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        product_images_delete(images=ProductImage.objects.filter(product__in=queryset))
        super().delete_queryset(request, queryset)

    def get_queryset(self, request):
        # The changelist shows one thumbnail per row: prefetched, not a query per product.
        return super().get_queryset(request).prefetch_related(product_images_prefetch())

    @admin.display(description="")
    def thumbnail(self, obj):
        images = list(obj.images.all())
        return _preview(images[0] if images else None, size=48)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductImage:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        uploaded = {id(inline_form.instance) for inline_form in formset.forms if "image" in inline_form.changed_data}
        if formset.deleted_objects:
            product_images_delete(images=ProductImage.objects.filter(pk__in=[obj.pk for obj in formset.deleted_objects]))
        for image in instances:
            if id(image) in uploaded:
                product_image_save(image=image)  # new or replaced upload: make thumbnails
            else:
                image.save()
        formset.save_m2m()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "position", "is_featured", "is_active"]
    list_editable = ["position", "is_featured", "is_active"]
    list_filter = ["is_active", "is_featured", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "position"]
    list_editable = ["position"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
