from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("settings/email/", views.preferences, name="preferences"),
    path("email/<str:token>/", views.manage, name="manage"),
    path("email/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
