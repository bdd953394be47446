"""The measurement's rows (events, visitors, customers' groups), read-only, and the
recommendations dashboard."""

from django.conf import settings
from django.contrib import admin

from shop.admin_reports import ReportAdmin

from . import charts
from .forms import PeriodForm
from .models import CustomerGroup, Dashboard, Event, Visitor
from .presentation import describe
from .selectors import (
    Period,
    daily_series,
    holdout_report,
    offer_performance,
    placement_performance,
    service_performance,
    top_pairs,
)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "placement", "source", "product", "anchor", "service", "group")
    list_filter = ("kind", "placement", "source", "group")
    list_select_related = ("product", "anchor", "service")
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
            "admin/measurement/dashboard.html",
            "Recommendations dashboard",
            form=form,
            days=days,
            period=period,
            attribution_days=f"{settings.RECOMMENDATIONS_ATTRIBUTION_DAYS} days",
            placements=placement_performance(period=period),
            holdout=holdout,
            metrics=[describe(metric, holdout) for metric in holdout.metrics],
            pairs=top_pairs(period=period),
            services=service_performance(period=period),
            offers=offer_performance(period=period),
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
