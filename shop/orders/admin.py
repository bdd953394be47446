from django.contrib import admin, messages
from django.db.models import Count

from .models import Order, OrderAdjustment, OrderLine
from .services import OrderStatusError, order_cancel, order_mark_paid, order_mark_shipped


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product", "sku", "name", "unit_price", "quantity", "line_total", "rec_placement", "rec_source")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderAdjustmentInline(admin.TabularInline):
    model = OrderAdjustment
    extra = 0
    can_delete = False
    fields = ("label", "code", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _change_status(modeladmin, request, queryset, service, done: str):
    changed, refused = 0, []
    for order in queryset:
        try:
            service(order=order)
            changed += 1
        except OrderStatusError as exc:
            refused.append(exc.message)
    if changed:
        modeladmin.message_user(request, f"{changed} order{'s' if changed != 1 else ''} {done}.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


@admin.action(description="Mark selected orders as paid")
def mark_paid(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, order_mark_paid, "marked paid")


@admin.action(description="Mark selected orders as shipped")
def mark_shipped(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, order_mark_shipped, "marked shipped")


@admin.action(description="Cancel selected orders (puts items back in stock)")
def cancel(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, order_cancel, "cancelled; their items are back in stock")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "placed_at", "email", "status", "item_lines", "total", "payment_method", "rec_group")
    list_filter = ("status", "placed_at", "payment_method", "rec_group")
    search_fields = ("number", "email", "shipping_name", "customer_ref")
    date_hierarchy = "placed_at"
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    inlines = (OrderLineInline, OrderAdjustmentInline)
    actions = (mark_paid, mark_shipped, cancel)
    # Statuses change only through the actions, which keep stock right; money and
    # snapshots are what the customer agreed to and never edited.
    readonly_fields = (
        "number", "access_token", "status", "placed_at", "shipped_at", "payment_method",
        "subtotal", "discount", "shipping", "total", "rec_group", "idempotency_key", "customer_ref",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "placed_at", "shipped_at", "user", "email", "customer_ref")}),
        ("Delivery", {"fields": (
            "shipping_name", "shipping_line1", "shipping_line2", "shipping_city",
            "shipping_postcode", "shipping_country", "phone",
        )}),
        ("Money", {"fields": ("payment_method", "subtotal", "discount", "shipping", "total")}),
        ("Technical", {"classes": ("collapse",), "fields": ("rec_group", "idempotency_key", "access_token")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_line_count=Count("lines"))

    @admin.display(description="Lines", ordering="_line_count")
    def item_lines(self, obj):
        return obj._line_count

    def has_add_permission(self, request):
        # Orders come from checkout (or the demo loader), never typed in by hand.
        return False
