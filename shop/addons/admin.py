from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from catalog.fragments import pages_version_bump

from .models import Service

_DEMO_BADGE = "background:#fef3c7;color:#92400e;border-radius:8px;padding:1px 6px;font-size:10px;font-weight:700"


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """Staff define the services here. Deactivating a service stops offering it at once; deleting
    one also takes it out of carts (orders keep their snapshot)."""

    list_display = ("name_with_demo", "code", "price_rule", "applies_to", "is_active", "position")
    list_display_links = ("name_with_demo",)
    list_editable = ("is_active", "position")
    list_filter = ("is_active", "pricing", "is_demo")
    search_fields = ("name", "code", "description")
    autocomplete_fields = ("categories", "products")
    readonly_fields = ("is_demo", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "code", "description", "is_active", "position")}),
        ("Price", {"fields": ("pricing", "price", "share_percent")}),
        ("Offered with", {"fields": ("categories", "products")}),
        ("Record", {"classes": ("collapse",), "fields": ("is_demo", "created_at", "updated_at")}),
    )
    actions = ("activate", "deactivate")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_categories=Count("categories", distinct=True), _products=Count("products", distinct=True))
        )

    @admin.display(description="Name", ordering="name")
    def name_with_demo(self, obj):
        if obj.is_demo:
            return format_html('{} <span style="{}">DEMO</span>', obj.name, _DEMO_BADGE)
        return obj.name

    @admin.display(description="Price")
    def price_rule(self, obj):
        return obj.price_rule

    @admin.display(description="Offered with")
    def applies_to(self, obj):
        parts = []
        if obj._categories:
            parts.append(f"{obj._categories} categor{'y' if obj._categories == 1 else 'ies'}")
        if obj._products:
            parts.append(f"{obj._products} product{'' if obj._products == 1 else 's'}")
        return ", ".join(parts) or "nothing yet"

    # Both change what shoppers are offered: the change permission, never just "view".
    @admin.action(description="Offer the selected services", permissions=["change"])
    def activate(self, request, queryset):
        changed = queryset.update(is_active=True)
        pages_version_bump()  # a bulk update sends no signal
        self.message_user(request, f"{changed} service{'s' if changed != 1 else ''} offered.", messages.SUCCESS)

    @admin.action(description="Stop offering the selected services", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = queryset.update(is_active=False)
        pages_version_bump()  # a bulk update sends no signal
        self.message_user(request, f"{changed} service{'s' if changed != 1 else ''} no longer offered.", messages.SUCCESS)
