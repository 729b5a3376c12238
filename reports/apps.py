from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from content.models import Page
        from reports import receivers, selectors

        receivers.connect()
        # Content pages are counted by id; the reports show their titles.
        for kind in ("home", "page"):
            selectors.page_namers[kind] = lambda ids: dict(
                Page.objects.filter(pk__in=ids).values_list("pk", "title")
            )
