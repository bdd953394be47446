from django.contrib import admin

from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_withdraw

from .models import FollowUp, OptOut


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at")
    search_fields = ("email",)

    def save_model(self, request, obj, form, change):
        obj.email = obj.email.strip().lower()
        super().save_model(request, obj, form, change)
        # Consent is what sending checks: an opt-out added by staff withdraws it.
        marketing_consent_withdraw(email=obj.email, source=MarketingConsent.Source.STAFF)


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "email", "order", "cart", "product")
    list_filter = ("kind", "status")
    search_fields = ("email", "order__number")
    list_select_related = ("order", "cart", "product")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
