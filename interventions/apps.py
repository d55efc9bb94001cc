from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions, panels and police disruption"

    def ready(self) -> None:
        from interventions import signals_tasks

        signals_tasks.connect()
