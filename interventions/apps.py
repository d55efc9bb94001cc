from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions, panels and police disruption"

    def ready(self) -> None:
        from cases import profile
        from interventions import signals_tasks
        from interventions.queries_work import subject_interventions

        signals_tasks.connect()
        profile.register(subject_interventions)
