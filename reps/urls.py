from django.urls import path

from . import views

app_name = "reps"
urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.team, name="team"),
    path("teams/<int:manager_id>/", views.team, name="team_of"),
    path("organisation/", views.organisation, name="organisation"),
    path("invite/", views.invite, name="invite"),
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path("reps/<int:rep_id>/settings/", views.rep_settings, name="rep_settings"),
]
