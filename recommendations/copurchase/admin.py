"""Snapshot history for staff: when the last one was published, what it holds, how long it
took and how it scored; why a refresh was refused or held back and what to do about it;
"Refresh now", "Roll back to this snapshot" (which pins it live) and "Unpin". And "explain a
pair": the live statistics of two products (`explain.py`)."""

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from shop.admin_reports import ReportAdmin
from shop.broker import enqueue

from .backtest_chart import backtest_chart
from .explain import pair_explanation
from .forms import PairForm
from .lease import LeaseBusy, lease_holder
from .models import PairExplanation, Snapshot
from .publishing import snapshot_rollback, snapshot_unpin
from .tasks import refresh_copurchase


# Below this share of the live snapshot's orders, a refused refresh is put down to its window.
FEW_ORDERS_SHARE = 0.5


def snapshot_advice(snapshot: Snapshot, *, live: Snapshot | None) -> str:
    """What staff can do about a snapshot that was refused, held back or failed ("" for others)."""
    Status = Snapshot.Status
    if snapshot.status == Status.HELD:
        return (
            "A snapshot staff rolled back to is pinned live, so refreshes are built but not published. "
            "Select the live snapshot and use “Unpin” to let the next refresh publish as usual, or select this "
            "one and use “Roll back to this snapshot” to put it live now."
        )
    if snapshot.status == Status.FAILED:
        return (
            "The refresh stopped before publishing (the error is above; “worker lost” means it was killed). "
            "The live snapshot is untouched. Check the worker's log, then use “Refresh now” to try again."
        )
    if snapshot.status != Status.REJECTED:
        return ""
    few = live is not None and snapshot.order_count < live.order_count * FEW_ORDERS_SHARE
    if few:
        return (
            f"It counted {snapshot.order_count:,} order{pluralize(snapshot.order_count)} ({snapshot.window_start:%d %b %Y} to "
            f"{snapshot.window_end:%d %b %Y}) against {live.order_count:,} in the live snapshot #{live.pk}: its "
            "window held far fewer orders. The window is the last COPURCHASE_WINDOW_DAYS days of orders, reaching "
            "back until it holds COPURCHASE_WINDOW_MIN_ORDERS; check those settings and that orders are being "
            "placed or imported (cancelled ones do not count). The live snapshot stays in use meanwhile."
        )
    return (
        "Its lists predict the most recent orders markedly worse than the live snapshot's, which stays in use, "
        "so shoppers see no change. Nothing needs doing if the next refresh passes. If you expected the change "
        "(a catalogue clear-out, new scoring settings) and want these lists anyway, select this snapshot and use "
        "“Roll back to this snapshot”: it is then pinned live until you “Unpin” it. The gate's tolerance is "
        "COPURCHASE_QUALITY_MAX_DROP."
    )


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "id", "status_badge", "mode", "published_at", "orders", "pairs", "duration_display", "quality_display",
        "backtest_display", "outcome",
    )
    list_filter = ("status", "mode", "pinned")
    ordering = ("-created_at", "-id")
    actions = ["roll_back", "unpin"]
    readonly_fields = ["what_to_do", "backtest_summary", "gate_summary", *(f.name for f in Snapshot._meta.fields)]
    change_list_template = "admin/copurchase/snapshot/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        if obj.status != Snapshot.Status.LIVE:
            return obj.get_status_display()
        if obj.pinned:
            return format_html("<strong>{}</strong> · pinned", obj.get_status_display())
        return format_html("<strong>{}</strong>", obj.get_status_display())

    @admin.display(description="Why not live")
    def outcome(self, obj):
        if obj.status not in (Snapshot.Status.REJECTED, Snapshot.Status.HELD, Snapshot.Status.FAILED):
            return ""
        return Truncator(obj.note).chars(140)

    @admin.display(description="What to do")
    def what_to_do(self, obj):
        return snapshot_advice(obj, live=Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()) or "—"

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

    @admin.display(description="Back-test hit@3 (co-count)")
    def backtest_display(self, obj):
        figures = (obj.backtest or {}).get("figures")
        if not figures:
            return "—"
        return f"{figures['chosen']['hit3']:.3f} ({figures['cocount']['hit3']:.3f})"

    @admin.display(description="Back-test (tuning)")
    def backtest_summary(self, obj):
        backtest = obj.backtest or {}
        if "figures" not in backtest:
            return "No back-test: too few orders to hold any out, or a run that does not tune (sharded)."
        chosen, figures = backtest["chosen"], backtest["figures"]
        half = f"{chosen['half_life_days']:g} days" if chosen.get("half_life_days") else "none"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((label, f"{figures[key]['hit3']:.3f}", f"{figures[key]['hit5']:.3f}", f"{figures[key]['coverage']:.3f}")
             for key, label in (("chosen", "Chosen"), ("default", "Default (settings)"), ("best", "Best of the grid"),
                                ("cocount", "Plain co-count"), ("popularity", "Popularity")) if key in figures),
        )
        reused = backtest.get("reused_from")
        return format_html(
            "<p>Chosen: size weight γ = {}, recency half-life {}, popularity damping α = {}{}. "
            "Scored on {} held-out cart-sized orders ({} questions) that the lists were not built from; "
            "one standard error of the gain over the default: {}.</p>"
            "<table><thead><tr><th></th><th>hit@3</th><th>hit@5</th><th>coverage</th></tr></thead><tbody>{}</tbody></table>",
            f"{chosen['gamma']:g}", half, f"{chosen['alpha']:g}",
            f" (an incremental run: kept from snapshot #{reused})" if reused else "",
            intcomma(backtest["orders"]), intcomma(backtest["queries"]), f"{backtest['se']:.3f}", rows,
        )

    @admin.display(description="Quality gate")
    def gate_summary(self, obj):
        return (obj.quality or {}).get("reason") or "—"

    def get_urls(self):
        refresh = self.admin_site.admin_view(self.refresh_view)
        return [path("refresh/", refresh, name="copurchase_snapshot_refresh"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).first()
        latest = Snapshot.objects.exclude(status=Snapshot.Status.BUILDING).order_by("-created_at", "-id").first()
        if latest is not None and (latest == live or not snapshot_advice(latest, live=live)):
            latest = None  # only a refresh that did not go live needs explaining
        extra_context = {
            **(extra_context or {}),
            "live_snapshot": live,
            "refused_snapshot": latest,
            "refused_advice": snapshot_advice(latest, live=live) if latest else "",
            "refresh_running": lease_holder(),
            "refresh_url": reverse("admin:copurchase_snapshot_refresh"),
            "backtest_chart": backtest_chart(),
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

    @admin.action(description="Roll back to this snapshot (pins it live)", permissions=["change"])
    def roll_back(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one snapshot to roll back to.", messages.ERROR)
            return
        snapshot = queryset.get()
        try:
            snapshot_rollback(snapshot=snapshot)
        except LeaseBusy:
            self.message_user(
                request, "A refresh is running: roll back once it has finished (nothing was changed).", messages.ERROR
            )
            return
        except ValueError as exc:
            self.message_user(request, str(exc)[:1].upper() + str(exc)[1:] + ".", messages.ERROR)
            return
        self.message_user(
            request,
            f"Snapshot #{snapshot.pk} is live again and pinned: refreshes are built but held back until you unpin it.",
            messages.SUCCESS,
        )

    @admin.action(description="Unpin (let refreshes publish again)", permissions=["change"])
    def unpin(self, request, queryset):
        unpinned = [snapshot.pk for snapshot in queryset if snapshot_unpin(snapshot=snapshot)]
        if not unpinned:
            self.message_user(request, "None of the chosen snapshots was pinned.", messages.WARNING)
            return
        self.message_user(
            request,
            f"Unpinned snapshot #{unpinned[0]}: it stays live until the next refresh publishes "
            "(“Refresh now” to do it at once).",
            messages.SUCCESS,
        )


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
