from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from coachloop.health import healthz
from reps.forms import PasswordResetForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            html_email_template_name="registration/password_reset_email_body.html",
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("reps.urls")),
    path("", include("commitments.urls")),
    path("", include("reminders.urls")),
]
