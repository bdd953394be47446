from django.contrib import admin, messages

from .models import MarketingConsent
from .services import marketing_consent_withdraw


@admin.register(MarketingConsent)
class MarketingConsentAdmin(admin.ModelAdmin):
    """The record of who agreed to marketing e-mail. Staff can withdraw consent on a
    customer's request, never give it: consent is the customer's to give."""

    list_display = ("email", "opted_in", "opted_in_at", "opted_in_source", "withdrawn_at", "withdrawn_source", "user")
    list_filter = ("opted_in", "opted_in_source", "withdrawn_source")
    search_fields = ("email", "user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = [field.name for field in MarketingConsent._meta.fields]
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Withdraw consent (the customer asked)", permissions=["change"])
    def withdraw(self, request, queryset):
        emails = list(queryset.filter(opted_in=True).values_list("email", flat=True))
        for email in emails:
            marketing_consent_withdraw(email=email, source=MarketingConsent.Source.STAFF)
        self.message_user(request, f"Consent withdrawn for {len(emails)} address(es).", messages.SUCCESS)
