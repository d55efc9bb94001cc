"""A missing episode recorded on a child raises a return home interview task (see
interventions.services.tasks). Connected in InterventionsConfig.ready()."""

from interventions.services import tasks as task_services


def missing_episode_task(sender, event=None, user=None, **kwargs) -> None:
    if event is not None:
        task_services.create_return_home_interview(event, user)


def connect() -> None:
    from cases.signals import event_recorded

    event_recorded.connect(missing_episode_task, dispatch_uid="interventions.missing_episode_task")
