"""Curation admin: inlines on the product page, exclusions, tier ladders, bundles, a
storefront preview per product, the suggestion queue and the curation health report.

Its forms are in `forms.py`, its reads (preview, suggestion queue) in `preview.py`; the
health report's reads are `recommendations.health`.
"""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from catalog.admin import ProductAdmin
from catalog.models import Product
from recommendations.admin.forms import (
    BundleForm,
    BundleItemInlineFormSet,
    ComplementInlineFormSet,
    ExclusionForm,
    LadderTierInlineFormSet,
    SuggestionActionForm,
    UpgradeInlineFormSet,
)
from recommendations.admin.preview import curated_or_excluded, product_preview, suggestion_queue
from recommendations.bundles import bundle_info
from recommendations.health import health_report
from recommendations.models import Bundle, BundleItem, Complement, Exclusion, HealthReport, LadderTier, TierLadder, Upgrade
from recommendations.services import complement_pin, exclusion_create
from shop.admin_reports import ReportAdmin


class ComplementInline(admin.TabularInline):
    model = Complement
    fk_name = "product"
    formset = ComplementInlineFormSet
    extra = 1
    autocomplete_fields = ["complement"]
    fields = ["complement", "position", "pitch", "two_way", "active_from", "active_until"]
    verbose_name = "complement (goes well with)"
    verbose_name_plural = "Complements — shown first, in this order"
    # Adds a link to the storefront preview above the table.
    template = "admin/recommendations/complement_inline.html"


class UpgradeInline(admin.TabularInline):
    model = Upgrade
    fk_name = "product"
    formset = UpgradeInlineFormSet
    extra = 1
    autocomplete_fields = ["upgrade"]
    fields = ["upgrade", "position", "pitch"]
    verbose_name_plural = "Upgrades — better products to offer instead"


# The catalog doesn't import this app; its Product admin gets the curation inlines here.
ProductAdmin.inlines = [*ProductAdmin.inlines, ComplementInline, UpgradeInline]


@admin.register(Complement)
class ComplementAdmin(admin.ModelAdmin):
    list_display = ["product", "complement", "position", "pitch", "two_way", "active_from", "active_until"]
    list_select_related = ["product", "complement"]
    search_fields = ["product__name", "product__sku", "complement__name", "complement__sku"]
    list_filter = ["two_way"]
    autocomplete_fields = ["product", "complement"]
    change_list_template = "admin/recommendations/complement_changelist.html"

    def get_urls(self):
        urls = [
            path("preview/<int:product_id>/", self.admin_site.admin_view(self.preview_view), name="recommendations_preview"),
            path("suggestions/", self.admin_site.admin_view(self.suggestions_view), name="recommendations_suggestions"),
            path(
                "suggestions/act/",
                self.admin_site.admin_view(require_POST(self.suggestion_action_view)),
                name="recommendations_suggestion_action",
            ),
        ]
        return urls + super().get_urls()

    def preview_view(self, request, product_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        product = get_object_or_404(Product.objects.select_related("category"), pk=product_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Storefront preview: {product.name}",
            "product": product,
            "preview": product_preview(product=product),
            "opts": Product._meta,
        }
        return TemplateResponse(request, "admin/recommendations/preview.html", context)

    def suggestions_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Suggestion queue: strong pairs not yet curated",
            "suggestions": suggestion_queue(limit=60),
            "opts": self.model._meta,
            "can_act": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/recommendations/suggestions.html", context)

    def suggestion_action_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SuggestionActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "That suggestion could not be read; nothing was changed.")
            return redirect("admin:recommendations_suggestions")
        a, b, action = form.cleaned_data["product"], form.cleaned_data["partner"], form.cleaned_data["action"]
        if a.pk == b.pk:
            messages.error(request, "A product cannot be paired with itself.")
        elif curated_or_excluded(a_id=a.pk, b_id=b.pk):
            messages.warning(request, f"“{a}” and “{b}” are already curated or excluded.")
        elif action == "pin":
            complement_pin(product=a, complement=b)
            messages.success(request, f"Pinned “{b}” as a complement of “{a}”.")
        else:
            exclusion_create(product_a=a, product_b=b, note="From the suggestion queue")
            messages.success(request, f"“{a}” and “{b}” will never be shown together.")
        return redirect("admin:recommendations_suggestions")


@admin.register(Upgrade)
class UpgradeAdmin(admin.ModelAdmin):
    list_display = ["product", "upgrade", "pitch", "position"]
    list_select_related = ["product", "upgrade"]
    search_fields = ["product__name", "upgrade__name"]
    autocomplete_fields = ["product", "upgrade"]


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    form = ExclusionForm
    list_display = ["product_a", "product_b", "note", "created_at"]
    list_select_related = ["product_a", "product_b"]
    search_fields = ["product_a__name", "product_b__name"]
    autocomplete_fields = ["product_a", "product_b"]


class LadderTierInline(admin.TabularInline):
    model = LadderTier
    formset = LadderTierInlineFormSet
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["product", "label", "position", "is_recommended"]


@admin.register(TierLadder)
class TierLadderAdmin(admin.ModelAdmin):
    list_display = ["name", "tier_count", "hide_identical_rows"]
    search_fields = ["name", "tiers__product__name"]
    inlines = [LadderTierInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tier_total=Count("tiers"))

    @admin.display(description="Tiers", ordering="tier_total")
    def tier_count(self, obj):
        return obj.tier_total


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    formset = BundleItemInlineFormSet
    extra = 2
    autocomplete_fields = ["product"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    form = BundleForm
    list_display = ["name", "discount", "saving_today", "is_active", "created_at"]
    list_filter = ["is_active", "discount_type"]
    search_fields = ["name", "items__product__name"]
    inlines = [BundleItemInline]

    def get_queryset(self, request):
        items = BundleItem.objects.select_related("product").order_by("id")
        return super().get_queryset(request).prefetch_related(Prefetch("items", queryset=items))

    @admin.display(description="Discount")
    def discount(self, obj):
        if obj.discount_type == Bundle.DiscountType.PERCENT:
            return f"{obj.discount_value.normalize():f}% off"
        return format_html("£{} off", obj.discount_value)

    @admin.display(description="Set price → saving today")
    def saving_today(self, obj):
        """What the cart gives at today's prices: staff see when a price drop has brought a
        bundle down to the floor (BUNDLE_MAX_DISCOUNT_PERCENT) rather than its own discount."""
        items = list(obj.items.all())
        if not items:
            return "—"
        info = bundle_info(obj, [(item.product_id, item.quantity) for item in items])
        price = sum((item.product.price * item.quantity for item in items), Decimal("0"))
        saving = info.discount_on(price)
        if info.is_capped(price):
            return format_html("£{} → £{} <strong>(capped by the floor)</strong>", price, saving)
        return format_html("£{} → £{}", price, saving)


@admin.register(HealthReport)
class HealthReportAdmin(ReportAdmin):
    def changelist_view(self, request, extra_context=None):
        sections = health_report()
        return self.render_report(
            request,
            "admin/recommendations/health.html",
            "Recommendations health report",
            sections=sections,
            problems=sum(section.total for section in sections),
        )
