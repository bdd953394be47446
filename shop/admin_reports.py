"""Admin pages that are reports, not lists of rows (the recommendations dashboard, the
curation health report, "explain a pair").

Each is registered on a proxy model, which gives it a line, a link and a permission of its
own on the admin index; `ReportAdmin` keeps only the "changelist" URL, makes it read-only
and renders the report inside the admin's frame. Shared here, in the project shell, because
apps at every level of the recommendations use it.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path


class ReportAdmin(admin.ModelAdmin):
    """An admin page that is a report, not a list: only the "changelist" URL, read-only.
    Subclasses define `changelist_view` and end it with `render_report`."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name=f"{self.opts.app_label}_{self.opts.model_name}_changelist")]

    def render_report(self, request, template: str, title: str, **context):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "has_view_permission": True,
            **context,
        }
        return TemplateResponse(request, template, context)
