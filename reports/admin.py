"""The reports section of the admin, and the figures on a product's page.

The section is the "Reports" entry of the admin index (the DailyCount
model's changelist), open to staff with the `reports.view_reports`
permission; the Editors and Viewers groups have it (migration 0002).

The catalog does not know about reports: `product_admin_extend` adds the
figures to the product admin that the catalog registered, by giving it a
change form template that extends the catalog's and the figures as extra
context. The catalog's admin loads first (INSTALLED_APPS order).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

from catalog.models import Product
from reports import charts, exports, selectors
from reports.forms import PeriodForm
from reports.models import DailyCount

PERMISSION = "reports.view_reports"


def report_tables(period: selectors.Period) -> tuple[dict, dict[str, selectors.Table]]:
    report = selectors.period_report(period)
    tables = [
        report["traffic"]["table"],
        *report["tables"],
        *selectors.catalog_report(),
    ]
    return report["traffic"], {table.name: table for table in tables}


@admin.register(DailyCount)
class ReportsAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.GET or None)
        period = form.period()
        traffic, tables = report_tables(period)
        download = request.GET.get("download")
        if download is not None:
            file_format = request.GET.get("format", "csv")
            table = tables.get(download)
            if table is None or file_format not in exports.FORMATS:
                return HttpResponse(
                    "No such table or format.", status=404, content_type="text/plain"
                )
            response = HttpResponse(
                exports.table_export(table, file_format),
                content_type=exports.FORMATS[file_format],
            )
            filename = f"{table.name}-{period.start}-{period.end}.{file_format}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        before = period.previous()
        chart = charts.line_chart(
            chart_id="traffic",
            title=f"Page views per day, {period}, and the period before",
            days=period.dates(),
            series=[
                ("page views", traffic["series"]["pageviews"][0], "series-current"),
                (
                    f"page views, {before}",
                    traffic["series"]["pageviews"][1],
                    "series-previous",
                ),
                ("visitors", traffic["series"]["visitors"][0], "series-visitors"),
            ],
        )
        query = request.GET.copy()
        query.pop("download", None)
        query.pop("format", None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Reports",
            "opts": self.model._meta,
            "form": form,
            "period": period,
            "previous": before,
            "totals": traffic["totals"],
            "chart": chart,
            "tables": tables,
            "sections": [table for name, table in tables.items() if name != "traffic"],
            "query": query.urlencode(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/reports/report.html", context)


def product_admin_extend(model_admin: admin.ModelAdmin) -> None:
    """Show a product's views of the last 30 days and its saves on its page."""
    model_admin.change_form_template = "admin/reports/product_change_form.html"
    change_view = model_admin.change_view

    def change_view_with_figures(request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm(PERMISSION) and str(object_id).isdigit():
            figures = selectors.product_figures(int(object_id))
            extra_context["product_figures"] = {
                **figures,
                "chart": charts.spark_chart(
                    chart_id="product-views",
                    title="Views over the last 30 days",
                    days=figures["period"].dates(),
                    values=figures["views"],
                ),
                "total": sum(figures["views"]),
            }
        return change_view(request, object_id, form_url, extra_context)

    model_admin.change_view = change_view_with_figures


if Product in admin.site._registry:
    product_admin_extend(admin.site._registry[Product])
