from django.urls import path

from . import views

app_name = "commitments"
urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.team, name="team"),
    path("team/former/", views.former_reps, name="former_reps"),
    path("teams/<int:manager_id>/", views.team, name="team_of"),
    path("organisation/", views.organisation, name="organisation"),
    path("me/", views.my_one_thing, name="my_one_thing"),
    path("me/practice/", views.practice_new, name="practice_new"),
    path("me/commitment/", views.commitment_propose, name="commitment_propose"),
    path("reps/<int:rep_id>/", views.rep_detail, name="rep_detail"),
    path("reps/<int:rep_id>/update/", views.weekly_update, name="weekly_update"),
    path("reps/<int:rep_id>/commitment/", views.commitment_new, name="commitment_new"),
]
