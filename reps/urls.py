from django.urls import path

from . import token_views, views

app_name = "reps"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="signup_verify"),
    path("invite/", views.invite, name="invite"),
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path("organisation/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "organisation/api-tokens/<int:token_id>/revoke/",
        token_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("reps/<int:rep_id>/settings/", views.rep_settings, name="rep_settings"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/move/", views.rep_move, name="rep_move"),
    path("people/<int:person_id>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:person_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("people/<int:person_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("people/<int:person_id>/reinvite/", views.person_reinvite, name="person_reinvite"),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
