from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards and the scrutiny report"

    def ready(self) -> None:
        from dashboards import signals  # noqa: F401  (refresh the aggregates after cohort runs and feeds)
