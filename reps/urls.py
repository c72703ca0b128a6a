from django.urls import path

from . import views

app_name = "reps"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="signup_verify"),
    path("invite/", views.invite, name="invite"),
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path("reps/<int:rep_id>/settings/", views.rep_settings, name="rep_settings"),
]
