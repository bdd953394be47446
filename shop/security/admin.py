"""django-axes' lockout records in the admin, with its one action behind a permission.

axes registers `AccessAttempt` with a "Clean up expired attempts" action that declares no
permission, so Django would let staff with only the view permission run it. The same admin
is registered again here with the action limited to staff who may delete attempts.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin


class LockoutAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAttemptAdmin)
