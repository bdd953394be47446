from django.contrib import admin, messages
from django.utils.html import format_html
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Coalesce

from shop.payments.admin import PaymentInline
from shop.payments.models import Payment
from shop.payments.services import order_cancel_with_refund, order_mark_paid_by_transfer, order_refund

from .models import Order, OrderAdjustment, OrderEmail, OrderLine
from .services import OrderStatusError, order_mark_shipped


class OrderLineInline(admin.TabularInline):
    """The order's lines, each service add-on right under the item it was bought with."""

    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("item", "product", "sku", "unit_price", "quantity", "line_total", "rec_placement", "rec_source")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        # Grouped by item: an item's line (no parent) first, then its services.
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .order_by(Coalesce("parent_id", "id"), F("parent_id").asc(nulls_first=True), "id")
        )

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Item")
    def item(self, obj):
        if obj.is_service:
            return format_html(
                '<span style="padding-left:1.2em">↳ {} <small style="color:#7b8794">(service)</small></span>', obj.name
            )
        return obj.name


class OrderAdjustmentInline(admin.TabularInline):
    model = OrderAdjustment
    extra = 0
    can_delete = False
    fields = ("label", "code", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEmailInline(admin.TabularInline):
    """The customer e-mails about this order and whether each went out."""

    model = OrderEmail
    extra = 0
    can_delete = False
    fields = ("kind", "status", "attempts", "created_at", "sent_at", "last_error")
    readonly_fields = fields
    verbose_name_plural = "E-mails to the customer"

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, action, done: str, describe=None):
    changed, refused = 0, []
    for order in queryset:
        try:
            outcome = action(order)
        except OrderStatusError as exc:
            refused.append(exc.message)
            continue
        changed += 1
        if describe and (note := describe(order, outcome)):
            modeladmin.message_user(request, note, messages.INFO)
    if changed:
        modeladmin.message_user(request, f"{changed} order{'s' if changed != 1 else ''} {done}.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


def _refund_note(order, outcome) -> str:
    if outcome.refunds:
        return f"Order {order.number}: refund of its payment requested; its state shows on the order."
    return ""


# Every action changes orders, so each needs the change permission: Django would otherwise
# offer it to staff who may only view orders.
@admin.action(description="Mark paid (bank transfer received)", permissions=["change"])
def mark_paid(modeladmin, request, queryset):
    _run(
        modeladmin, request, queryset,
        lambda order: order_mark_paid_by_transfer(order=order, recorded_by=request.user.get_username()),
        "marked paid",
    )


@admin.action(description="Mark dispatched", permissions=["change"])
def mark_shipped(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, lambda order: order_mark_shipped(order=order), "marked shipped")


@admin.action(description="Cancel (items back in stock; a paid order is refunded)", permissions=["change"])
def cancel(modeladmin, request, queryset):
    _run(
        modeladmin, request, queryset, lambda order: order_cancel_with_refund(order=order),
        "cancelled; their items are back in stock", _refund_note,
    )


@admin.action(description="Refund (a paid order not yet dispatched is cancelled too)", permissions=["change"])
def refund(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, lambda order: order_refund(order=order), "refunded", _refund_note)


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Payment to check")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(payments__needs_attention=True).distinct()
        return queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number", "placed_at", "email", "status", "payment_state", "item_lines", "total", "payment_method", "rec_group",
    )
    list_filter = ("status", NeedsAttentionFilter, "cancel_reason", "placed_at", "payment_method", "rec_group")
    search_fields = ("number", "email", "shipping_name", "customer_ref", "payments__checkout_session_id", "payments__payment_intent_id")
    date_hierarchy = "placed_at"
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    inlines = (PaymentInline, OrderLineInline, OrderAdjustmentInline, OrderEmailInline)
    actions = (mark_paid, mark_shipped, cancel, refund)
    # Statuses change only through the actions, which keep stock right; money and
    # snapshots are what the customer agreed to and never edited.
    readonly_fields = (
        "number", "access_token", "status", "placed_at", "shipped_at", "payment_method",
        "subtotal", "discount", "shipping", "total", "rec_group", "idempotency_key", "customer_ref",
        "payment_due_at", "paid_at", "cancelled_at", "cancel_reason", "payment_state",
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "placed_at", "shipped_at", "user", "email", "customer_ref")}),
        ("Payment", {"fields": (
            "payment_method", "payment_state", "payment_due_at", "paid_at", "cancelled_at", "cancel_reason",
        )}),
        ("Delivery", {"fields": (
            "shipping_name", "shipping_line1", "shipping_line2", "shipping_city",
            "shipping_postcode", "shipping_country", "phone",
        )}),
        ("Money", {"fields": ("subtotal", "discount", "shipping", "total")}),
        ("Technical", {"classes": ("collapse",), "fields": ("rec_group", "idempotency_key", "access_token")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_line_count=Count("lines", filter=Q(lines__parent__isnull=True)))
            .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("id")))
        )

    @admin.display(description="Lines", ordering="_line_count")
    def item_lines(self, obj):
        return obj._line_count

    @admin.display(description="Payment")
    def payment_state(self, obj):
        """Each payment's state, provider reference and refund state, flagged when staff must look."""
        parts = []
        for payment in obj.payments.all():
            text = f"{payment.get_provider_display()} {payment.get_status_display().lower()}"
            if payment.payment_intent_id or payment.checkout_session_id:
                text += f" ({payment.payment_intent_id or payment.checkout_session_id})"
            if payment.refund_status:
                text += f", refund: {payment.get_refund_status_display().lower()}"
            if payment.needs_attention:
                text += f" ⚠ {payment.attention_reason}"
            parts.append(text)
        return "; ".join(parts) or "—"

    def has_add_permission(self, request):
        # Orders come from checkout (or the demo loader), never typed in by hand.
        return False
