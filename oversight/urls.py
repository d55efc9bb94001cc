from django.urls import path

from oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.index, name="index"),
    path("children/<int:pk>/", views.child_trail, name="child_trail"),
    path("children/<int:pk>/export/", views.child_trail_export, name="child_trail_export"),
    path("users/<int:pk>/", views.user_trail, name="user_trail"),
    path("users/<int:pk>/export/", views.user_trail_export, name="user_trail_export"),
    path("emergency-access/", views.break_glass_list, name="break_glass_list"),
    path("emergency-access/<int:pk>/review/", views.break_glass_review, name="break_glass_review"),
]
