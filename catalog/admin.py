from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from catalog.forms import ProductAdminForm, ProductImageForm
from catalog.images import image_urls
from catalog.models import (
    LOW_STOCK_THRESHOLD,
    Attribute,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
    StockMovement,
)
from catalog.selectors import product_images_prefetch
from catalog.services import StockError, product_image_save, product_images_delete, stock_move

# The product page shows this many of the newest stock movements; the rest are one link away.
STOCK_MOVEMENTS_SHOWN = 20


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


class NewestMovementsFormSet(BaseInlineFormSet):
    """Only the newest STOCK_MOVEMENTS_SHOWN movements, read once."""

    def get_queryset(self):
        if not hasattr(self, "_newest"):
            self._newest = list(super().get_queryset()[:STOCK_MOVEMENTS_SHOWN])
        return self._newest


class StockMovementInline(admin.TabularInline):
    """The product's stock ledger, newest first, read-only (movements are written by stock_move)."""

    model = StockMovement
    formset = NewestMovementsFormSet
    verbose_name_plural = f"stock movements (the newest {STOCK_MOVEMENTS_SHOWN}; all of them under “Stock ledger” above)"
    fields = ["created_at", "delta", "stock_after", "kind", "order_number", "note", "staff"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "sku", "category", "price", "stock", "is_active", "is_featured", "sales_count"]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["is_active"]
    list_filter = ["is_active", StockLevelFilter, "is_featured", "category"]
    list_select_related = ["category"]
    list_per_page = 50
    search_fields = ["name", "sku"]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name"]}
    form = ProductAdminForm
    readonly_fields = ["stock", "stock_ledger", "sales_count", "rating_average", "rating_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "sku", "category", "description"]}),
        ("Price", {"fields": ["price", "is_active", "is_featured", "is_consumable"]}),
        ("Stock", {"fields": ["stock", ("stock_change", "stock_kind"), "stock_note", "stock_ledger"]}),
        (
            "Statistics",
            {
                "fields": ["sales_count", "rating_average", "rating_count", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    # A plain list: the recommendations app appends its own inlines to it.
    inlines = [ProductImageInline, ProductAttributeValueInline, StockMovementInline]

    def get_inline_instances(self, request, obj=None):
        # The ledger is read-only: it has nothing to post, so a save (or a form posted by a
        # script or a test) needn't carry its management form.
        inlines = super().get_inline_instances(request, obj)
        if request.method == "POST":
            inlines = [inline for inline in inlines if not isinstance(inline, StockMovementInline)]
        return inlines

    def save_model(self, request, obj, form, change):
        """Saves what staff edited, never the stock or the counters; then the stock
        adjustment, if one was asked for, through the ledger."""
        if change:
            # Only the columns the form shows: stock, sales and ratings are kept by services,
            # and a form loaded before a sale or a review must not put back what it loaded.
            columns = {field.name for field in obj._meta.concrete_fields if not field.primary_key}
            obj.save(update_fields=[name for name in form.fields if name in columns] + ["updated_at"])
        else:
            obj.save()
        changes = form.stock_changes() if isinstance(form, ProductAdminForm) else []
        if not changes:
            return
        try:
            levels = stock_move(
                changes=changes,
                kind=form.cleaned_data["stock_kind"],
                note=form.cleaned_data["stock_note"].strip(),
                staff=request.user,
            )
        except StockError as error:
            # Someone bought units between the form's check and this save: say so, change nothing.
            self.message_user(request, f"Stock not adjusted: {error.message}", messages.ERROR)
            return
        obj.stock = levels[obj.pk]
        self.message_user(request, f"Stock of “{obj.name}” adjusted by {changes[0].delta:+d}: {obj.stock} now.")

    @admin.display(description="Stock ledger")
    def stock_ledger(self, obj):
        if obj is None or obj.pk is None:
            return "Every change of stock is listed here once the product is saved."
        url = reverse("admin:catalog_stockmovement_changelist") + f"?product__id__exact={obj.pk}"
        return format_html('<a href="{}">Every stock movement of this product</a>', url)

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


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The whole ledger, read-only: movements are written by catalog.services.stock_move."""

    list_display = ["created_at", "product", "delta", "stock_after", "kind", "order_number", "note", "staff"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["product", "staff"]
    search_fields = ["product__name", "product__sku", "order_number", "note"]
    date_hierarchy = "created_at"
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
