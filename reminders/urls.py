from django.urls import path

from . import views, webhook_views

app_name = "reminders"
urlpatterns = [
    path("settings/email/", views.preferences, name="preferences"),
    path("email/<str:token>/", views.manage, name="manage"),
    path("email/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("organisation/webhook/", webhook_views.webhook, name="webhook"),
    path(
        "organisation/webhook/<int:webhook_id>/rotate/",
        webhook_views.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "organisation/webhook/<int:webhook_id>/delete/",
        webhook_views.webhook_delete,
        name="webhook_delete",
    ),
]
