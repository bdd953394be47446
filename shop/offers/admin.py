from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from .forms import DealAdminForm, VoucherAdminForm
from .models import Deal, OfferSettings, Voucher, VoucherUse


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    """Deals of the day. Overlapping deals for one product are refused by the form; what a
    deal has sold is counted by order placement and is read-only here."""

    form = DealAdminForm
    list_display = ("product", "offer", "starts_at", "ends_at", "quantity_cap", "units_sold", "state")
    list_filter = ("kind",)
    list_select_related = ("product",)
    search_fields = ("product__name", "product__sku")
    autocomplete_fields = ("product",)
    readonly_fields = ("units_sold", "created_at")
    date_hierarchy = "starts_at"
    actions = ("end_now",)

    @admin.display(description="Offer")
    def offer(self, obj):
        if obj.kind == Deal.Kind.PRICE:
            return f"£{obj.deal_price} (was £{obj.product.price})"
        return f"{obj.percent_off.normalize():f}% off"

    @admin.display(description="State")
    def state(self, obj):
        now = timezone.now()
        if obj.ends_at <= now:
            return "Over"
        if obj.starts_at > now:
            return "Scheduled"
        if obj.remaining == 0:
            return "Sold out"
        return "Live"

    # Changes what shoppers pay: the change permission, never just "view".
    @admin.action(description="End the selected deals now", permissions=["change"])
    def end_now(self, request, queryset):
        now = timezone.now()
        ended = 0
        for deal in queryset.filter(ends_at__gt=now):
            # A deal not started yet becomes one that ran for an instant, never live.
            deal.starts_at = min(deal.starts_at, now - timedelta(seconds=1))
            deal.ends_at = now
            deal.save(update_fields=["starts_at", "ends_at"])
            ended += 1
        self.message_user(request, f"{ended} deal{'s' if ended != 1 else ''} ended.", messages.SUCCESS)


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Voucher codes. What a code has been used for is counted by order placement (read-only)."""

    form = VoucherAdminForm
    list_display = ("code", "offer", "minimum_spend", "starts_at", "ends_at", "uses", "source", "is_active")
    list_filter = ("is_active", "kind", "source")
    search_fields = ("code", "description", "customer_email")
    autocomplete_fields = ("categories",)
    readonly_fields = ("source", "times_used", "created_at")
    actions = ("deactivate", "activate")

    @admin.display(description="Used")
    def uses(self, obj):
        return f"{obj.times_used} / {obj.usage_limit}" if obj.usage_limit is not None else obj.times_used

    # Both change what shoppers pay: the change permission, never just "view".
    @admin.action(description="Stop the selected codes", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = queryset.update(is_active=False)
        self.message_user(request, f"{changed} code{'s' if changed != 1 else ''} stopped.", messages.SUCCESS)

    @admin.action(description="Allow the selected codes again", permissions=["change"])
    def activate(self, request, queryset):
        changed = queryset.update(is_active=True)
        self.message_user(request, f"{changed} code{'s' if changed != 1 else ''} allowed again.", messages.SUCCESS)


@admin.register(VoucherUse)
class VoucherUseAdmin(admin.ModelAdmin):
    """Every order's use of a code, as placed: a record, not edited."""

    list_display = ("voucher", "order", "email", "amount", "used_at")
    list_select_related = ("voucher", "order")
    search_fields = ("voucher__code", "order__number", "email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfferSettings)
class OfferSettingsAdmin(admin.ModelAdmin):
    """One row: the next-order code of the post-purchase e-mail and the cart reminder's."""

    list_display = ("__str__", "next_order_percent", "abandoned_cart_voucher")

    def has_add_permission(self, request):
        return not OfferSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
