"""Payments for staff: every payment with its provider references and refund state, a flag
for those a person must look at, and the inline shown on each order."""

from django.contrib import admin, messages

from .models import Payment, WebhookEvent
from .money import from_minor_units
from .refunds import payment_mark_refund_sent

PAYMENT_FIELDS = (
    "provider", "status", "amount_display", "checkout_session_id", "payment_intent_id", "reference",
    "paid_at", "refund_status", "refund_reason", "refund_id", "refunded_at", "needs_attention", "attention_reason",
)


def _amount(payment: Payment) -> str:
    text = f"{from_minor_units(payment.amount, payment.currency)} {payment.currency.upper()}"
    if payment.received_amount is not None and (payment.received_amount, payment.received_currency) != (
        payment.amount,
        payment.currency,
    ):
        received = from_minor_units(payment.received_amount, payment.received_currency or payment.currency)
        text += f" (received {received} {payment.received_currency.upper()})"
    return text


class PaymentInline(admin.TabularInline):
    """On the order page: what was paid, through what, and whether any of it went back."""

    model = Payment
    extra = 0
    can_delete = False
    fields = PAYMENT_FIELDS
    readonly_fields = fields
    show_change_link = True
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return _amount(obj)


@admin.action(description="Mark bank-transfer refund as sent", permissions=["change"])
def mark_refund_sent(modeladmin, request, queryset):
    done = sum(payment_mark_refund_sent(payment=payment) for payment in queryset)
    skipped = queryset.count() - done
    if done:
        modeladmin.message_user(request, f"{done} refund{'s' if done != 1 else ''} marked as sent.", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(
            request, f"{skipped} skipped: only a bank-transfer refund waiting to be sent can be marked.", messages.WARNING
        )


@admin.action(description="Mark as checked (clear the attention flag)", permissions=["change"])
def clear_attention(modeladmin, request, queryset):
    count = queryset.filter(needs_attention=True).update(needs_attention=False)
    modeladmin.message_user(request, f"{count} payment{'s' if count != 1 else ''} marked as checked.", messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "provider", "status", "amount_display", "refund_status", "needs_attention", "created_at")
    list_filter = ("needs_attention", "status", "refund_status", "provider")
    search_fields = ("order__number", "checkout_session_id", "payment_intent_id", "refund_id", "order__email")
    list_select_related = ("order",)
    readonly_fields = ("order", *PAYMENT_FIELDS, "currency", "expires_at", "refund_error", "created_at", "updated_at")
    fields = readonly_fields
    actions = (mark_refund_sent, clear_attention)

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return _amount(obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The money trail is kept.
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "payment", "processed_at")
    list_filter = ("type",)
    search_fields = ("event_id",)
    readonly_fields = ("event_id", "provider", "type", "payment", "processed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
