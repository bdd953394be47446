from django.contrib import admin, messages

from .models import ApiToken
from .tokens import api_token_issue


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff give a customer (or a service account) a token; its key is shown once, on
    saving, and never again. Deleting a token revokes it at once."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__email")
    autocomplete_fields = ("user",)
    fields = ("user", "name", "expires_at", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def get_readonly_fields(self, request, obj=None):
        # A token's owner is fixed: a token moved to another customer would act for them.
        return self.readonly_fields + (("user",) if obj is not None else ())

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = api_token_issue(token=obj)
        self.message_user(
            request,
            f"The token's key is {key} — copy it now: it is stored only as a hash and won't be shown again.",
            messages.WARNING,
        )
