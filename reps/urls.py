from django.urls import path

from . import token_views, views

app_name = "reps"
urlpatterns = [
    path("invite/", views.invite, name="invite"),
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path("organisation/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "organisation/api-tokens/<int:token_id>/revoke/",
        token_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("reps/<int:rep_id>/settings/", views.rep_settings, name="rep_settings"),
]
