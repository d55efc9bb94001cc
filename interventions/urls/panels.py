from django.urls import path

from interventions.views import panels as views

urlpatterns = [
    path("panels/", views.panel_list, name="panel_list"),
    path("panels/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/agenda/new/", views.agenda_create, name="agenda_create"),
    path("meetings/<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/overdue/", views.overdue_actions, name="overdue_actions"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
]
