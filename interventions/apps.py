from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions, panels and police disruption"

    def ready(self) -> None:
        from cases import profile
        from interventions.queries_child_summary import child_summary
        from interventions.queries_home import caseload_flags, home_tasks
        from interventions.queries_missing import child_missing_episodes
        from interventions.queries_work import subject_interventions

        profile.register(subject_interventions)
        profile.register(child_missing_episodes)
        profile.register(child_summary)
        profile.register_home(home_tasks)
        profile.register_caseload_flags(caseload_flags)
