from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from . import charts
from .explain import pair_explanation
from .forms import PairForm, PeriodForm
from .health import health_report
from .models import CustomerGroup, Dashboard, Event, HealthReport, PairExplanation, Visitor
from .presentation import describe
from .selectors import Period, daily_series, holdout_report, placement_performance, top_pairs


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "placement", "source", "product", "anchor", "group")
    list_filter = ("kind", "placement", "source", "group")
    list_select_related = ("product", "anchor")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "assigned_at")
    list_filter = ("group",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ("key", "group", "first_seen")
    list_filter = ("group",)
    date_hierarchy = "first_seen"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReportAdmin(admin.ModelAdmin):
    """An admin page that is a report, not a list: only the "changelist" URL, read-only."""

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


@admin.register(Dashboard)
class DashboardAdmin(ReportAdmin):
    def changelist_view(self, request, extra_context=None):
        form = PeriodForm(request.GET or None)
        days = form.cleaned_data["days"] if form.is_valid() else 30
        period = Period.last_days(days)
        holdout = holdout_report(period=period)
        daily = daily_series(period=period)
        return self.render_report(
            request,
            "measurement/admin/dashboard.html",
            "Recommendations dashboard",
            form=form,
            days=days,
            period=period,
            attribution_days=f"{settings.RECOMMENDATIONS_ATTRIBUTION_DAYS} days",
            placements=placement_performance(period=period),
            holdout=holdout,
            metrics=[describe(metric, holdout) for metric in holdout.metrics],
            pairs=top_pairs(period=period),
            activity_chart=charts.line_chart(
                days=daily.days,
                series=[
                    ("Items shown", "series-impressions", daily.impressions),
                    ("Clicks", "series-clicks", daily.clicks),
                    ("Adds to cart", "series-adds", daily.adds),
                ],
            ),
            engagement_chart=charts.line_chart(
                days=daily.days,
                series=[("Clicks", "series-clicks", daily.clicks), ("Adds to cart", "series-adds", daily.adds)],
            ),
            revenue_chart=charts.bar_chart(days=daily.days, values=daily.revenue, money=True),
            orders_chart=charts.line_chart(
                days=daily.days,
                series=[
                    ("Orders, sees recommendations", "series-treatment", daily.orders_treatment),
                    ("Orders, holdout", "series-control", daily.orders_control),
                ],
            ),
        )


@admin.register(HealthReport)
class HealthReportAdmin(ReportAdmin):
    def changelist_view(self, request, extra_context=None):
        sections = health_report()
        return self.render_report(
            request,
            "measurement/admin/health.html",
            "Recommendations health report",
            sections=sections,
            problems=sum(section.total for section in sections),
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
            "measurement/admin/explain.html",
            "Explain a pair",
            form=form,
            media=self.media + form.media,
            explanation=explanation,
        )
