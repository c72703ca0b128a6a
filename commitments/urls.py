from django.urls import path

from . import api, export_views, views

app_name = "commitments"
urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.team, name="team"),
    path("team/former/", views.former_reps, name="former_reps"),
    path("teams/<int:manager_id>/", views.team, name="team_of"),
    path("organisation/", views.organisation, name="organisation"),
    path("team/export.csv", export_views.team_export, name="team_export"),
    path("organisation/export.csv", export_views.organisation_export, name="organisation_export"),
    path("calendar/", export_views.calendar_link, name="calendar_link"),
    path("calendar/<slug:token>.ics", export_views.calendar_feed_ics, name="calendar_feed"),
    path("api/v1/evidence", api.evidence, name="api_evidence"),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
    path("me/", views.my_one_thing, name="my_one_thing"),
    path("me/practice/", views.practice_new, name="practice_new"),
    path("me/commitment/", views.commitment_propose, name="commitment_propose"),
    path("me/accept/", views.commitment_accept, name="commitment_accept"),
    path("me/pulse/", views.pulse_new, name="pulse_new"),
    path("pulse/<str:token>/", views.pulse_link, name="pulse_link"),
    path("reps/<int:rep_id>/", views.rep_detail, name="rep_detail"),
    path("reps/<int:rep_id>/update/", views.weekly_update, name="weekly_update"),
    path("reps/<int:rep_id>/transcript/", views.transcript_check, name="transcript_check"),
    path("reps/<int:rep_id>/skip/", views.skip_week, name="skip_week"),
    path("reps/<int:rep_id>/commitment/", views.commitment_new, name="commitment_new"),
]
