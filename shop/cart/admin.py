from django.contrib import admin
from django.db.models import Count, Sum

from .models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ("product", "quantity", "service_addons", "added_at", "rec_placement", "rec_source", "rec_anchor")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product").prefetch_related("services__service")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Services")
    def service_addons(self, obj):
        return ", ".join(line_service.service.name for line_service in obj.services.all()) or "—"


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """Carts are the shoppers' own: staff look, they don't edit."""

    list_display = ("__str__", "user", "email", "line_count", "item_count", "updated_at")
    list_select_related = ("user",)
    search_fields = ("email", "user__email", "user__username")
    list_filter = ("updated_at",)
    readonly_fields = ("session_key", "user", "email", "created_at", "updated_at")
    inlines = (CartLineInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_lines=Count("lines"), _items=Sum("lines__quantity"))

    @admin.display(description="Lines", ordering="_lines")
    def line_count(self, obj):
        return obj._lines

    @admin.display(description="Items", ordering="_items")
    def item_count(self, obj):
        return obj._items or 0

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
