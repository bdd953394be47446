"""Moderation: pending reviews are published or rejected with a reason (one at a time or in
bulk), staff reply publicly, and deleting a review takes it out of the product's figures.
Customers' words are read-only here: staff decide on a review, they don't rewrite it."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html

from .forms import RejectReasonForm, ReviewAdminForm
from .models import Review
from .services import ReviewError, review_staff_update, reviews_delete, reviews_publish, reviews_reject


class StaffReplyFilter(admin.SimpleListFilter):
    title = "staff reply"
    parameter_name = "replied"

    def lookups(self, request, model_admin):
        return [("yes", "Replied"), ("no", "Not replied")]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.exclude(staff_reply="")
            case "no":
                return queryset.filter(staff_reply="")
        return queryset


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    form = ReviewAdminForm
    list_display = ["title_with_demo", "stars", "product", "author_name", "status", "verified", "helpful", "created_at"]
    list_display_links = ["title_with_demo"]
    list_filter = ["status", "rating", "is_verified_purchase", "is_demo", StaffReplyFilter, "created_at"]
    list_select_related = ["product"]
    list_per_page = 50
    search_fields = ["title", "text", "email", "author_name", "product__name", "product__sku"]
    date_hierarchy = "created_at"
    # Django's "Delete selected" stays: it confirms first, then calls delete_queryset below.
    actions = ["publish_reviews", "reject_reviews"]
    readonly_fields = [
        "product", "stars", "title", "text", "author_name", "email", "user", "order", "is_verified_purchase",
        "is_demo", "helpful_count", "created_at", "updated_at", "moderated_at", "moderated_by", "staff_reply_at",
    ]
    fieldsets = [
        ("Review", {"fields": ["product", "stars", "title", "text"]}),
        ("Moderation", {"fields": ["status", "rejection_reason", "moderated_at", "moderated_by"]}),
        ("Public reply", {"fields": ["staff_reply", "staff_reply_at"]}),
        (
            "Reviewer",
            {"fields": ["author_name", "email", "user", "order", "is_verified_purchase", "is_demo", "helpful_count",
                        "created_at", "updated_at"]},
        ),
    ]

    def has_add_permission(self, request):
        return False  # customers write reviews; staff moderate them

    @admin.display(description="Title", ordering="title")
    def title_with_demo(self, obj):
        if obj.is_demo:
            return format_html('{} <span style="{}">DEMO</span>', obj.title, _DEMO_BADGE)
        return obj.title

    @admin.display(description="Rating", ordering="rating")
    def stars(self, obj):
        return format_html('<span title="{} out of 5" style="color:#b45309;letter-spacing:1px">{}</span>',
                           obj.rating, "★" * obj.rating + "☆" * (5 - obj.rating))

    @admin.display(description="Verified", boolean=True, ordering="is_verified_purchase")
    def verified(self, obj):
        return obj.is_verified_purchase

    @admin.display(description="Helpful", ordering="helpful_count")
    def helpful(self, obj):
        return obj.helpful_count

    def save_model(self, request, obj, form, change):
        try:
            review_staff_update(
                review=obj,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["rejection_reason"],
                reply=form.cleaned_data["staff_reply"],
                staff=request.user,
            )
        except ReviewError as error:  # the form checks the same first; a race is all that's left
            raise PermissionDenied(str(error)) from error

    def delete_model(self, request, obj):
        reviews_delete(reviews=[obj])

    def delete_queryset(self, request, queryset):
        reviews_delete(reviews=queryset)

    @admin.action(description="Publish selected reviews", permissions=["change"])
    def publish_reviews(self, request, queryset):
        count = reviews_publish(reviews=queryset, moderator=request.user)
        self.message_user(request, f"Published {count} review{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Reject selected reviews…", permissions=["change"])
    def reject_reviews(self, request, queryset):
        """Asks for the reason first (an intermediate page, like Django's delete confirmation)."""
        form = RejectReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            count = reviews_reject(reviews=queryset, reason=form.cleaned_data["reason"], moderator=request.user)
            self.message_user(request, f"Rejected {count} review{'s' if count != 1 else ''}.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject reviews",
            "opts": self.model._meta,
            "form": form,
            "reviews": queryset.select_related("product"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "reviews/admin/reject.html", context)


_DEMO_BADGE = "background:#fef3c7;color:#92400e;border-radius:8px;padding:1px 6px;font-size:10px;font-weight:700"
