from django.contrib import admin
from django.urls import include, path

from coachloop.health import healthz
from reps.ratelimits import PasswordResetView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("reps.urls")),
    path("", include("commitments.urls")),
    path("", include("reminders.urls")),
]
