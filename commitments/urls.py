from django.urls import path

from . import api, export_views, guidance_views, views

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
    path("reps/<int:rep_id>/diagnose/", views.check_diagnose, name="check_diagnose"),
    path(
        "reps/<int:rep_id>/performance/",
        views.performance_conversation_new,
        name="performance_conversation_new",
    ),
    # Practice plan (drills) and leading indicators.
    path("reps/<int:rep_id>/drills/", views.drill_new, name="drill_new"),
    path("reps/<int:rep_id>/indicator/", views.indicator_set, name="indicator_set"),
    path("me/drills/<int:drill_id>/done/", views.drill_done, name="drill_done"),
    path("me/indicator/", views.indicator_new, name="indicator_new"),
    # Guidance: drafts (weeks 9–12), ramp's daily answer, the live wording hint.
    path(
        "reps/<int:rep_id>/drafts/<int:draft_id>/approve/",
        guidance_views.draft_approve,
        name="draft_approve",
    ),
    path("me/daily/", guidance_views.daily_answer, name="daily_answer"),
    path("daily/<str:token>/", guidance_views.daily_answer_link, name="daily_answer_link"),
    path("hint/", guidance_views.wording_hint, name="wording_hint"),
    # Standing behaviours, re-checks, corrections and revisions.
    path("reps/<int:rep_id>/recheck/", views.recheck_answer, name="recheck_answer"),
    path("reps/<int:rep_id>/recheck/reissue/", views.recheck_reissue, name="recheck_reissue"),
    path("reps/<int:rep_id>/check/correct/", views.check_correct, name="check_correct"),
    path("reps/<int:rep_id>/commitment/edit/", views.commitment_edit, name="commitment_edit"),
    path("me/practice/<int:entry_id>/correct/", views.practice_correct, name="practice_correct"),
    path("me/practice/<int:entry_id>/delete/", views.practice_delete, name="practice_delete"),
]
