"""Snapshot history for staff: when the last one was published, what it holds, how long it
took and how it scored; "Refresh now" and "Roll back to this snapshot". And "explain a
pair": the live statistics of two products (`explain.py`)."""

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from shop.admin_reports import ReportAdmin
from shop.broker import enqueue

from .explain import pair_explanation
from .forms import PairForm
from .lease import lease_holder
from .models import PairExplanation, Snapshot
from .publishing import snapshot_rollback
from .tasks import refresh_copurchase



@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "id", "status_badge", "mode", "published_at", "orders", "pairs", "duration_display", "quality_display",
    )
    list_filter = ("status", "mode")
    ordering = ("-created_at", "-id")
    actions = ["roll_back"]
    readonly_fields = [f.name for f in Snapshot._meta.fields]
    change_list_template = "admin/copurchase/snapshot/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html('<strong>{}</strong>', obj.get_status_display()) if obj.status == "live" else obj.get_status_display()

    @admin.display(description="Orders", ordering="order_count")
    def orders(self, obj):
        return intcomma(obj.order_count)

    @admin.display(description="Pairs (≥ min)", ordering="pair_count")
    def pairs(self, obj):
        return intcomma(obj.pair_count)

    @admin.display(description="Duration", ordering="duration")
    def duration_display(self, obj):
        return f"{obj.duration:.1f} s" if obj.duration is not None else "—"

    @admin.display(description="Hit-rate@3 (live before)")
    def quality_display(self, obj):
        quality = obj.quality or {}
        if "new_hit_rate" not in quality:
            return "—"
        live = quality.get("live_hit_rate")
        return f"{quality['new_hit_rate']:.3f}" + (f" ({live:.3f})" if live is not None else "")

    def get_urls(self):
        refresh = self.admin_site.admin_view(self.refresh_view)
        return [path("refresh/", refresh, name="copurchase_snapshot_refresh"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "live_snapshot": Snapshot.objects.filter(status=Snapshot.Status.LIVE).first(),
            "refresh_running": lease_holder(),
            "refresh_url": reverse("admin:copurchase_snapshot_refresh"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def refresh_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        requested_at = timezone.now().isoformat()

        def enqueue_refresh():
            # The broker down costs a couple of seconds at most (settings, CELERY), never a 500.
            if enqueue(refresh_copurchase.name, requested_at=requested_at):
                messages.success(request, "Refresh queued: the new snapshot appears here when it is published.")
            else:
                messages.error(request, "The task queue is unreachable; the refresh will run at the next nightly run.")

        # After the commit, so a worker never runs before what this request wrote.
        transaction.on_commit(enqueue_refresh)
        return HttpResponseRedirect(reverse("admin:copurchase_snapshot_changelist"))

    @admin.action(description="Roll back to this snapshot", permissions=["change"])
    def roll_back(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one snapshot to roll back to.", messages.ERROR)
            return
        snapshot = queryset.get()
        try:
            snapshot_rollback(snapshot=snapshot)
        except ValueError as exc:
            self.message_user(request, str(exc).capitalize() + ".", messages.ERROR)
            return
        self.message_user(request, f"Snapshot #{snapshot.pk} is live again.", messages.SUCCESS)


@admin.register(PairExplanation)
class PairExplanationAdmin(ReportAdmin):
    def changelist_view(self, request, extra_context=None):
        form = PairForm(request.GET or None, site=self.admin_site)
        explanation = None
        if form.is_valid():
            explanation = pair_explanation(a=form.cleaned_data["product_a"], b=form.cleaned_data["product_b"])
        return self.render_report(
            request,
            "admin/copurchase/explain.html",
            "Explain a pair",
            form=form,
            media=self.media + form.media,
            explanation=explanation,
        )
