"""Who may open what: every URL × every role, and 404 (not 403, not a leak) otherwise.

The table below is the access table of DESIGN.md turned into rows. Each row
is one URL and method; each column one person:

- anonymous: nobody signed in;
- rep: the rep whose pages are being opened;
- other_rep: a rep of the same organisation, coached by another manager;
- manager: the rep's own manager;
- other_manager: another manager of the same organisation;
- admin: the org admin of the same organisation;
- other_org_admin: the org admin of another organisation.

A person who may not see something gets a 404, and when they POST, the
database is left exactly as it was.
"""

import dataclasses
import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from commitments.links import pulse_token
from commitments.models import (
    CallEvidence,
    Check,
    CoachingSession,
    Commitment,
    CommitmentSkip,
    PracticeLog,
    RepPulse,
)
from reminders.emails import preferences_token
from reminders.models import EmailPreference, OrganisationWebhook, Reminder, SlackWebhook
from reminders.services.delivery import organisation_webhook_save
from reps.api_tokens import api_token_create
from reps.models import ApiToken, User
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PracticeLogFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

PRIVATE_NOTE = "Seems tired; ask about workload."
SHARED_NOTE = "We listened to two calls together."
DIAGNOSIS_LABEL = Check.Diagnosis.SYSTEM.label  # "System: something made it impossible"
RITA_CALENDAR_TOKEN = "rita-secret-calendar-token"
# A public https address (an IP, so no DNS lookup): the one kind production accepts.
PUBLIC_WEBHOOK_URL = "https://93.184.216.34/coachloop"
ROLES = ["anonymous", "rep", "other_rep", "manager", "other_manager", "admin", "other_org_admin"]


@dataclasses.dataclass
class World:
    rep: User
    rep_without_commitment: User
    other_rep: User
    manager: User
    other_manager: User
    admin: User
    other_org_admin: User
    active: Commitment
    other_active: Commitment
    api_token: ApiToken
    webhook: OrganisationWebhook | None = None

    def person(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def world() -> World:
    org, elsewhere = OrganisationFactory(name="Acme"), OrganisationFactory(name="Globex")
    manager = ManagerFactory(organisation=org, name="Maria Manager")
    other_manager = ManagerFactory(organisation=org, name="Otto Manager")
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep")
    rep.calendar_token = RITA_CALENDAR_TOKEN
    rep.save(update_fields=["calendar_token"])
    rep_without_commitment = RepFactory(organisation=org, manager=manager, name="Nora New")
    other_rep = RepFactory(organisation=org, manager=other_manager, name="Oscar Rep")
    admin = AdminFactory(organisation=org, name="Ada Admin")
    other_org_admin = AdminFactory(organisation=elsewhere, name="Gil Globex")
    # Globex has a team of its own, so "another organisation" is not empty.
    RepFactory(organisation=elsewhere, name="Greta Globex")

    # Last week: missed, diagnosed, with private notes. This week: active, with practice.
    last_week = dt.date(2026, 11, 23)
    session = CoachingSessionFactory(rep=rep, shared_notes=SHARED_NOTE, private_notes=PRIVATE_NOTE)
    missed = CommitmentFactory(
        rep=rep,
        status=Commitment.Status.MISSED,
        issued_on=last_week,
        check_date=last_week + dt.timedelta(days=7),
        session=session,
    )
    CheckFactory(
        commitment=missed,
        session=session,
        diagnosis=Check.Diagnosis.SYSTEM,
        evidence="No CRM access",
    )
    active = CommitmentFactory(rep=rep, reissue_of=missed, attempt=2, session=session)
    PracticeLogFactory(commitment=active)
    other_active = CommitmentFactory(rep=other_rep, behaviour="Ask for the next step on every call")
    api_token, _ = api_token_create(by=admin, name="Gong")
    webhook, _ = organisation_webhook_save(by=admin, url=PUBLIC_WEBHOOK_URL)
    return World(
        rep=rep,
        rep_without_commitment=rep_without_commitment,
        other_rep=other_rep,
        manager=manager,
        other_manager=other_manager,
        admin=admin,
        other_org_admin=other_org_admin,
        active=active,
        other_active=other_active,
        api_token=api_token,
        webhook=webhook,
    )


def database_state() -> dict:
    """Every row the app writes, to prove a refused POST changed nothing."""
    state = {}
    for model in (
        User,
        Commitment,
        CommitmentSkip,
        Check,
        CoachingSession,
        PracticeLog,
        EmailPreference,
        Reminder,
        ApiToken,
        CallEvidence,
        OrganisationWebhook,
        RepPulse,
        SlackWebhook,
    ):
        rows = model.objects.order_by("pk").values()
        state[model.__name__] = [
            {k: v for k, v in row.items() if k != "last_login"} for row in rows
        ]
    return state


# --- the table ----------------------------------------------------------------

LOGIN = "login"
OK = 200
NOT_FOUND = 404


@dataclasses.dataclass(frozen=True)
class Redirect:
    """A 302 to a named URL; ``kwargs`` name World attributes whose pk fills it."""

    name: str
    kwargs: tuple = ()

    def url(self, world: World) -> str:
        return reverse(self.name, kwargs={k: getattr(world, a).pk for k, a in self.kwargs})


TO_REP_PAGE = Redirect("commitments:rep_detail", (("rep_id", "rep"),))


@dataclasses.dataclass(frozen=True)
class Endpoint:
    label: str
    method: str
    path: object  # World -> str
    expected: tuple  # one outcome per ROLES entry
    data: object = None  # World -> dict, for POSTs


def update_data(world: World) -> dict:
    return {
        "commitment_id": world.active.pk,
        "outcome": "kept",
        "evidence": "Showed me ten emails.",
        "next_step": "none",
    }


def transcript_data(world: World) -> dict:
    return {"transcript-transcript": "00:00:01.000 --> 00:00:02.000\nThe opener."}


def skip_data(world: World) -> dict:
    return {
        "skip-commitment_id": world.active.pk,
        "skip-check_date": world.active.check_date.isoformat(),
        "skip-reason": "holiday",
    }


def commitment_data(world: World) -> dict:
    return {"behaviour": "Open every call with the agenda", "check_date": "2026-12-07"}


def invite_data(world: World) -> dict:
    return {
        "name": "Ivy Invited",
        "email": "ivy@example.com",
        "role": "manager",
        "timezone": "Europe/Paris",
        "one_on_one_weekday": "1",
        "one_on_one_time": "10:00",
    }


def settings_data(world: World) -> dict:
    return {
        "one_on_one_weekday": "3",
        "one_on_one_time": "15:30",
        "one_on_one_every_weeks": "2",
        "timezone": "America/New_York",
        "ramp": "off",
        "start_date": "2026-01-05",
    }


def practice_data(world: World) -> dict:
    return {"kind": "drill", "practiced_on": "2026-11-30"}


def preferences_data(world: World) -> dict:
    return {"nudge": "off", "daily": "off", "prompt": "off", "digest": "off"}


def practice_entry_url(name: str):
    return lambda w: reverse(name, kwargs={"entry_id": w.active.practice.get().pk})


def rep_url(name: str, attr: str = "rep"):
    return lambda w: reverse(name, kwargs={"rep_id": getattr(w, attr).pk})


def token_url(w: World) -> str:
    return reverse("reminders:manage", kwargs={"token": preferences_token(w.rep.pk, "nudge")})


def tampered_token_url(w: World) -> str:
    token = preferences_token(w.rep.pk, "nudge")
    return reverse("reminders:manage", kwargs={"token": token[:-2] + "xx"})


def unsubscribe_url(w: World) -> str:
    return reverse("reminders:unsubscribe", kwargs={"token": preferences_token(w.rep.pk, "nudge")})


def tampered_unsubscribe_url(w: World) -> str:
    token = preferences_token(w.rep.pk, "nudge")
    return reverse("reminders:unsubscribe", kwargs={"token": token[:-2] + "xx"})


def one_click_data(world: World) -> dict:
    return {"List-Unsubscribe": "One-Click"}


def invite_accept_url(w: World) -> str:
    uid = urlsafe_base64_encode(force_bytes(w.rep.pk))
    return reverse("reps:invite_accept", kwargs={"uidb64": uid, "token": "bad-token"})


def person_url(name: str, attr: str = "rep"):
    return lambda w: reverse(name, kwargs={"person_id": getattr(w, attr).pk})


def move_data(world: World) -> dict:
    return {"manager": world.other_manager.pk}


def account_data(world: World) -> dict:
    return {"name": "Renamed Person", "timezone": "Europe/Paris"}


def no_data(world: World) -> dict:
    return {}


def deal_data(world: World) -> dict:
    return {"commitment_id": world.active.pk}


def pulse_data(world: World) -> dict:
    return {"commitment_id": world.active.pk, "answer": "need_help"}


def pulse_link_url(w: World) -> str:
    token = pulse_token(commitment_id=w.active.pk, rep_id=w.rep.pk, answer="need_help")
    return reverse("commitments:pulse_link", kwargs={"token": token})


def tampered_pulse_link_url(w: World) -> str:
    path = pulse_link_url(w)
    return path[:-3] + ("A/" if path[-3] != "A" else "B/")


ME = Redirect("commitments:my_one_thing")
PEOPLE = Redirect("reps:people")
ACCOUNT = Redirect("reps:account")
TEAM = Redirect("commitments:team")
ORG = Redirect("commitments:organisation")
MANAGE = Redirect("reminders:manage")  # checked by prefix below
INVITE = Redirect("reps:invite")
PREFS = Redirect("reminders:preferences")
ADMIN_LOGIN = Redirect("admin:login")
CALENDAR = Redirect("commitments:calendar_link")
TOKENS = Redirect("reps:api_tokens")
WEBHOOK = Redirect("reminders:webhook")


def webhook_data(world: World) -> dict:
    return {"url": PUBLIC_WEBHOOK_URL + "/v2"}


def webhook_url(name: str):
    return lambda w: reverse(name, kwargs={"webhook_id": w.webhook.pk})


# fmt: off
ENDPOINTS = [
    # Outcomes in ROLES order:
    # anonymous, rep, other_rep, manager, other_manager, admin, other_org_admin.
    Endpoint("home", "GET", lambda w: reverse("commitments:home"),
             (LOGIN, ME, ME, TEAM, TEAM, ORG, ORG)),
    Endpoint("own team", "GET", lambda w: reverse("commitments:team"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND)),
    Endpoint("the manager's team", "GET",
             lambda w: reverse("commitments:team_of", kwargs={"manager_id": w.manager.pk}),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK, NOT_FOUND)),
    Endpoint("organisation", "GET", lambda w: reverse("commitments:organisation"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)),
    Endpoint("team export", "GET", lambda w: reverse("commitments:team_export"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND)),
    Endpoint("team export with own notes", "GET",
             lambda w: reverse("commitments:team_export") + "?private=1",
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND)),
    Endpoint("organisation export", "GET", lambda w: reverse("commitments:organisation_export"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)),
    Endpoint("calendar link page", "GET", lambda w: reverse("commitments:calendar_link"),
             (LOGIN, OK, OK, OK, OK, OK, OK)),
    Endpoint("make a new calendar link", "POST", lambda w: reverse("commitments:calendar_link"),
             (LOGIN, CALENDAR, CALENDAR, CALENDAR, CALENDAR, CALENDAR, CALENDAR),
             lambda w: {}),
    # The secret token is the permission: whoever holds it reads that person's checks only.
    Endpoint("calendar feed", "GET",
             lambda w: reverse("commitments:calendar_feed", kwargs={"token": RITA_CALENDAR_TOKEN}),
             (OK,) * 7),
    Endpoint("unknown calendar feed", "GET",
             lambda w: reverse("commitments:calendar_feed", kwargs={"token": "no-such-token"}),
             (NOT_FOUND,) * 7),
    Endpoint("invite form", "GET", lambda w: reverse("reps:invite"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, OK, OK)),
    Endpoint("invite", "POST", lambda w: reverse("reps:invite"),
             (LOGIN, NOT_FOUND, NOT_FOUND, INVITE, INVITE, INVITE, INVITE), invite_data),
    Endpoint("invite link (bad token)", "GET", invite_accept_url,
             (OK, OK, OK, OK, OK, OK, OK)),
    Endpoint("rep settings form", "GET", rep_url("reps:rep_settings"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("rep settings", "POST", rep_url("reps:rep_settings"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             settings_data),
    Endpoint("former reps", "GET", lambda w: reverse("commitments:former_reps"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, NOT_FOUND)),
    Endpoint("my one thing", "GET", lambda w: reverse("commitments:my_one_thing"),
             (LOGIN, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("log practice", "POST", lambda w: reverse("commitments:practice_new"),
             (LOGIN, ME, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), practice_data),
    # Both reps already have an active commitment: refused with a message (422).
    Endpoint("propose my own commitment", "POST",
             lambda w: reverse("commitments:commitment_propose"),
             (LOGIN, 422, 422, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), commitment_data),
    # The rep's side: "Deal" and the mid-week answer, for their own active commitment only.
    Endpoint("say Deal", "POST", lambda w: reverse("commitments:commitment_accept"),
             (LOGIN, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), deal_data),
    Endpoint("mid-week answer", "POST", lambda w: reverse("commitments:pulse_new"),
             (LOGIN, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), pulse_data),
    # The signed link is the permission: it answers for that one commitment only.
    Endpoint("signed answer link", "GET", pulse_link_url, (OK,) * 7),
    Endpoint("signed answer link", "POST", pulse_link_url, (OK,) * 7, pulse_data),
    Endpoint("tampered answer link", "GET", tampered_pulse_link_url, (NOT_FOUND,) * 7),
    Endpoint("tampered answer link", "POST", tampered_pulse_link_url, (NOT_FOUND,) * 7,
             pulse_data),
    Endpoint("rep page", "GET", rep_url("commitments:rep_detail"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK, NOT_FOUND)),
    Endpoint("rep page history (htmx)", "GET",
             lambda w: reverse("commitments:rep_detail", kwargs={"rep_id": w.rep.pk}) + "?page=1",
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK, NOT_FOUND)),
    Endpoint("weekly update form", "GET", rep_url("commitments:weekly_update"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("weekly update", "POST", rep_url("commitments:weekly_update"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             update_data),
    Endpoint("skip this 1:1 form", "GET", rep_url("commitments:skip_week"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("skip this 1:1", "POST", rep_url("commitments:skip_week"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             skip_data),
    # Checks a pasted transcript: shown, never saved.
    Endpoint("check a transcript", "POST", rep_url("commitments:transcript_check"),
             (LOGIN, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             transcript_data),
    Endpoint("new commitment form", "GET", rep_url("commitments:commitment_new"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("new commitment", "POST",
             rep_url("commitments:commitment_new", "rep_without_commitment"),
             (LOGIN, NOT_FOUND, NOT_FOUND,
              Redirect("commitments:rep_detail", (("rep_id", "rep_without_commitment"),)),
              NOT_FOUND, NOT_FOUND, NOT_FOUND),
             commitment_data),
    Endpoint("email settings", "GET", lambda w: reverse("reminders:preferences"),
             (LOGIN, OK, OK, OK, OK, OK, OK)),
    Endpoint("email settings", "POST", lambda w: reverse("reminders:preferences"),
             (LOGIN, PREFS, PREFS, PREFS, PREFS, PREFS, PREFS), preferences_data),
    # The signed link is the permission: whoever holds it manages that person's emails only.
    Endpoint("signed email link", "GET", token_url, (OK, OK, OK, OK, OK, OK, OK)),
    Endpoint("signed email link", "POST", token_url,
             (MANAGE, MANAGE, MANAGE, MANAGE, MANAGE, MANAGE, MANAGE), preferences_data),
    Endpoint("tampered email link", "GET",
             tampered_token_url,
             (NOT_FOUND,) * 7),
    Endpoint("tampered email link", "POST",
             tampered_token_url,
             (NOT_FOUND,) * 7, preferences_data),
    # One-click unsubscribe (RFC 8058): the same rule; a GET only asks, a POST stops the nudge.
    Endpoint("one-click unsubscribe", "GET", unsubscribe_url, (OK,) * 7),
    Endpoint("one-click unsubscribe", "POST", unsubscribe_url, (OK,) * 7, one_click_data),
    Endpoint("tampered one-click unsubscribe", "GET", tampered_unsubscribe_url, (NOT_FOUND,) * 7),
    Endpoint("tampered one-click unsubscribe", "POST", tampered_unsubscribe_url,
             (NOT_FOUND,) * 7, one_click_data),
    # The org admin's People page: their own organisation's people only.
    Endpoint("people", "GET", lambda w: reverse("reps:people"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)),
    Endpoint("move a rep", "POST", person_url("reps:rep_move"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, PEOPLE, NOT_FOUND), move_data),
    Endpoint("deactivate confirm", "GET", person_url("reps:person_deactivate"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND)),
    Endpoint("deactivate", "POST", person_url("reps:person_deactivate"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, PEOPLE, NOT_FOUND), no_data),
    # The rep has joined: nothing to resend or revoke (422), and 404 outside the organisation.
    Endpoint("resend invitation", "POST", person_url("reps:invitation_resend"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, 422, NOT_FOUND), no_data),
    Endpoint("revoke invitation", "POST", person_url("reps:invitation_revoke"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, 422, NOT_FOUND), no_data),
    # The rep is active: nothing to invite again (422), and 404 outside the organisation.
    Endpoint("invite again", "POST", person_url("reps:person_reinvite"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, 422, NOT_FOUND), no_data),
    # Everyone's own account.
    Endpoint("account", "GET", lambda w: reverse("reps:account"), (LOGIN,) + (OK,) * 6),
    Endpoint("account", "POST", lambda w: reverse("reps:account"),
             (LOGIN,) + (ACCOUNT,) * 6, account_data),
    Endpoint("password change form", "GET", lambda w: reverse("reps:password_change"),
             (LOGIN,) + (OK,) * 6),
    Endpoint("API tokens", "GET", lambda w: reverse("reps:api_tokens"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)),
    Endpoint("make an API token", "POST", lambda w: reverse("reps:api_tokens"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, TOKENS, TOKENS),
             lambda w: {"name": "Chorus"}),
    Endpoint("revoke an API token", "POST",
             lambda w: reverse("reps:api_token_revoke", kwargs={"token_id": w.api_token.pk}),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, TOKENS, NOT_FOUND),
             lambda w: {}),
    # The organisation's outbound webhook: its org admins only (one per organisation).
    Endpoint("webhook", "GET", lambda w: reverse("reminders:webhook"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK)),
    Endpoint("set the webhook", "POST", lambda w: reverse("reminders:webhook"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, WEBHOOK, WEBHOOK),
             webhook_data),
    Endpoint("rotate the webhook secret", "POST", webhook_url("reminders:webhook_rotate"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, WEBHOOK, NOT_FOUND), no_data),
    Endpoint("remove the webhook", "POST", webhook_url("reminders:webhook_delete"),
             (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, WEBHOOK, NOT_FOUND), no_data),
    # Neither a session nor a signed-in person opens the API: only its Bearer token.
    Endpoint("evidence API without a token", "POST", lambda w: "/api/v1/evidence",
             (401,) * 7, lambda w: {}),
    # Nobody in these roles is staff: the Django admin sends them to its own login.
    Endpoint("django admin", "GET", lambda w: reverse("admin:index"), (ADMIN_LOGIN,) * 7),
    # Standing behaviours, re-checks, edit and undo: the rep's own manager; the rep's own practice.
    *[
        Endpoint(f"{label} form", "GET", rep_url(f"commitments:{name}"),
                 (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND))
        for label, name in (
            ("re-check", "recheck_answer"),
            ("re-issue a slipped behaviour", "recheck_reissue"),
            ("correct a check", "check_correct"),
            ("clarify the wording", "commitment_edit"),
        )
    ],
    # Nothing kept yet: the re-check is refused with a message (422).
    Endpoint("re-check", "POST", rep_url("commitments:recheck_answer"),
             (LOGIN, NOT_FOUND, NOT_FOUND, 422, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             lambda w: {"recheck-commitment_id": w.active.pk, "recheck-due_on": "2026-11-30",
                        "recheck-answer": "yes"}),
    Endpoint("correct a check", "POST", rep_url("commitments:check_correct"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             lambda w: {"correct-check_id": w.active.reissue_of.check_result.pk,
                        "correct-outcome": "partly", "correct-diagnosis": "system",
                        "correct-evidence": "No CRM access", "correct-reason": "Half were sent"}),
    Endpoint("clarify the wording", "POST", rep_url("commitments:commitment_edit"),
             (LOGIN, NOT_FOUND, NOT_FOUND, TO_REP_PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             lambda w: {"edit-commitment_id": w.active.pk, "edit-behaviour": w.active.behaviour,
                        "edit-target_count": w.active.target_count,
                        "edit-target_unit": w.active.target_unit,
                        "edit-target_days": w.active.target_days, "edit-by_time": "10:00",
                        "edit-why": "Clearer: " + w.active.why}),
    Endpoint("correct practice form", "GET", practice_entry_url("commitments:practice_correct"),
             (LOGIN, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    Endpoint("correct practice", "POST", practice_entry_url("commitments:practice_correct"),
             (LOGIN, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
             lambda w: {f"fix{w.active.practice.get().pk}-kind": "live",
                        f"fix{w.active.practice.get().pk}-practiced_on": "2026-11-30"}),
    Endpoint("delete practice", "POST", practice_entry_url("commitments:practice_delete"),
             (LOGIN, ME, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), lambda w: {}),
]
# fmt: on

CASES = [
    pytest.param(endpoint, role, expected, id=f"{endpoint.label} {endpoint.method} as {role}")
    for endpoint in ENDPOINTS
    for role, expected in zip(ROLES, endpoint.expected, strict=True)
]


def request_as(client, world: World, role: str, endpoint: Endpoint):
    path = endpoint.path(world)
    if endpoint.method == "GET":
        headers = {"HX-Request": "true"} if "htmx" in endpoint.label else {}
        return client.get(path, headers=headers)
    return client.post(path, endpoint.data(world))


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_each_person_reaches_only_what_the_access_table_allows(
    client, world, endpoint, role, expected
):
    person = world.person(role)
    if person is not None:
        client.force_login(person)
    before = database_state()

    response = request_as(client, world, role, endpoint)

    if expected == LOGIN and "htmx" in endpoint.label:
        # htmx is told to go to sign-in as a whole page (HX-Redirect).
        assert response.status_code == 200
        assert response.headers["HX-Redirect"].startswith(reverse("login") + "?next=")
    elif expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif isinstance(expected, Redirect):
        assert response.status_code == 302, response.content[:500]
        if expected is MANAGE:
            assert response.url == endpoint.path(world)
        elif expected is ADMIN_LOGIN:
            assert response.url.startswith(reverse("admin:login"))
        else:
            assert response.url == expected.url(world)
    else:
        assert response.status_code == expected, response.content[:500]

    refused = expected in (LOGIN, NOT_FOUND, 401) or expected is ADMIN_LOGIN
    if refused or endpoint.method == "GET":
        assert database_state() == before


@pytest.mark.parametrize("role", ["manager", "other_manager", "admin", "rep", "other_rep"])
def test_nobody_sees_another_organisations_team_or_reps(client, world, role):
    outsider_org = world.other_org_admin.organisation
    their_manager = ManagerFactory(organisation=outsider_org)
    their_rep = RepFactory(organisation=outsider_org, manager=their_manager)
    client.force_login(world.person(role))

    paths = [
        reverse("commitments:team_of", kwargs={"manager_id": their_manager.pk}),
        reverse("commitments:rep_detail", kwargs={"rep_id": their_rep.pk}),
        reverse("reps:rep_settings", kwargs={"rep_id": their_rep.pk}),
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path


# --- another person's objects, inside a URL the viewer may use ----------------


def test_a_manager_cannot_record_a_check_on_another_managers_rep(client, world):
    client.force_login(world.manager)
    before = database_state()

    response = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": world.other_rep.pk}),
        {
            "commitment_id": world.other_active.pk,
            "outcome": "missed",
            "next_step": "none",
        },
    )

    assert response.status_code == 404
    assert database_state() == before


def test_a_manager_cannot_smuggle_another_reps_commitment_into_their_own_reps_update(client, world):
    client.force_login(world.manager)
    before = database_state()

    response = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": world.rep.pk}),
        {
            "commitment_id": world.other_active.pk,
            "outcome": "missed",
            "diagnosis": "skill",
            "next_step": "none",
        },
    )

    assert response.status_code == 404
    assert database_state() == before
    world.other_active.refresh_from_db()
    assert world.other_active.status == Commitment.Status.ACTIVE


def test_a_manager_cannot_set_a_commitment_for_another_managers_rep(client, world):
    client.force_login(world.other_manager)
    before = database_state()

    response = client.post(
        reverse("commitments:commitment_new", kwargs={"rep_id": world.rep_without_commitment.pk}),
        commitment_data(world),
    )

    assert response.status_code == 404
    assert database_state() == before


def test_a_rep_logging_practice_only_ever_adds_to_their_own_commitment(client, world):
    client.force_login(world.other_rep)

    client.post(reverse("commitments:practice_new"), practice_data(world))

    assert world.active.practice.count() == 1
    assert world.other_active.practice.count() == 1


def test_a_deactivated_reps_record_is_read_only_and_only_for_their_manager_and_the_admin(
    client, world
):
    # Issue 8: a leaver's history is kept and readable by the managers who
    # may read it; nothing more is recorded for them.
    world.rep.is_active = False
    world.rep.save(update_fields=["is_active"])
    page = reverse("commitments:rep_detail", kwargs={"rep_id": world.rep.pk})
    before = database_state()

    client.force_login(world.manager)
    for_manager = client.get(page)
    update = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": world.rep.pk}),
        update_data(world),
    )
    client.force_login(world.admin)
    for_admin = client.get(page)
    client.force_login(world.other_manager)
    for_other_manager = client.get(page)
    client.force_login(world.other_org_admin)
    for_other_org = client.get(page)

    assert for_manager.status_code == 200
    assert PRIVATE_NOTE in for_manager.content.decode()
    assert for_admin.status_code == 200
    assert PRIVATE_NOTE not in for_admin.content.decode()
    assert update.status_code == for_other_manager.status_code == for_other_org.status_code == 404
    assert database_state() == before


def test_a_manager_cannot_open_a_team_page_with_a_reps_id(client, world):
    client.force_login(world.admin)

    response = client.get(reverse("commitments:team_of", kwargs={"manager_id": world.rep.pk}))

    assert response.status_code == 404


def test_an_org_admin_can_only_invite_reps_for_managers_of_their_own_organisation(client, world):
    outsider_manager = ManagerFactory(organisation=world.other_org_admin.organisation)
    client.force_login(world.admin)

    response = client.post(
        reverse("reps:invite"),
        {**invite_data(world), "role": "rep", "manager": outsider_manager.pk},
    )

    assert response.status_code == 422
    assert "manager" in response.context["form"].errors
    assert not User.objects.filter(email="ivy@example.com").exists()


def test_a_signed_email_link_changes_only_that_persons_preferences(client, world):
    client.force_login(world.manager)

    client.post(token_url(world), preferences_data(world))

    assert set(EmailPreference.objects.values_list("user_id", flat=True)) == {world.rep.pk}


# --- private notes and diagnoses ----------------------------------------------


def test_the_reps_manager_reads_private_notes_and_diagnoses_on_the_rep_page(client, world):
    client.force_login(world.manager)

    html = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": world.rep.pk})).text

    assert PRIVATE_NOTE in html
    assert f"Diagnosis (private): {DIAGNOSIS_LABEL}" in html


def test_an_org_admin_sees_the_rep_page_but_never_private_notes_or_diagnoses(client, world):
    client.force_login(world.admin)

    response = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": world.rep.pk}))

    assert response.status_code == 200
    html = response.text
    assert world.active.behaviour in html
    assert PRIVATE_NOTE not in html
    assert DIAGNOSIS_LABEL not in html
    assert "Diagnosis" not in html


def test_an_org_admin_sees_team_pages_but_never_private_notes_or_diagnoses(client, world):
    client.force_login(world.admin)

    pages = [
        reverse("commitments:organisation"),
        reverse("commitments:team_of", kwargs={"manager_id": world.manager.pk}),
        reverse("commitments:rep_detail", kwargs={"rep_id": world.rep.pk}) + "?page=1",
    ]
    for path in pages:
        response = client.get(path, headers={"HX-Request": "true"} if "page=" in path else {})
        assert response.status_code == 200, path
        assert PRIVATE_NOTE not in response.text, path
        assert DIAGNOSIS_LABEL not in response.text, path

    team = client.get(pages[1]).text
    assert world.rep.name in team
    assert world.active.behaviour in team


def test_a_rep_sees_shared_notes_but_never_private_notes_or_diagnoses_on_my_one_thing(
    client, world
):
    client.force_login(world.rep)

    html = client.get(reverse("commitments:my_one_thing")).text

    assert world.active.behaviour in html
    assert SHARED_NOTE in html
    assert PRIVATE_NOTE not in html
    assert DIAGNOSIS_LABEL not in html
    assert "Diagnosis" not in html


def test_a_rep_never_sees_another_reps_commitment_on_my_one_thing(client, world):
    client.force_login(world.other_rep)

    html = client.get(reverse("commitments:my_one_thing")).text

    assert world.other_active.behaviour in html
    assert world.active.behaviour not in html
    assert SHARED_NOTE not in html


# --- CSRF ---------------------------------------------------------------------

HX_HEADERS = re.compile(r"""hx-headers='(\{.*?\})'""")


def csrf_token_from_page(client, path: str) -> str:
    """The token base.html puts on <body hx-headers=...>, as htmx sends it."""
    html = client.get(path).text
    return json.loads(HX_HEADERS.search(html).group(1))["X-CSRFToken"]


# (label, who posts, the page they come from, the URL they post to, data)
CSRF_POSTS = [
    ("weekly update", "manager", rep_url("commitments:rep_detail"),
     rep_url("commitments:weekly_update"), update_data),
    ("skip this 1:1", "manager", rep_url("commitments:rep_detail"),
     rep_url("commitments:skip_week"), skip_data),
    ("new commitment", "manager", rep_url("commitments:rep_detail", "rep_without_commitment"),
     rep_url("commitments:commitment_new", "rep_without_commitment"), commitment_data),
    ("log practice", "rep", lambda w: reverse("commitments:my_one_thing"),
     lambda w: reverse("commitments:practice_new"), practice_data),
    ("invite", "manager", lambda w: reverse("reps:invite"),
     lambda w: reverse("reps:invite"), lambda w: {**invite_data(w), "role": "rep"}),
    ("rep settings", "manager", rep_url("reps:rep_settings"),
     rep_url("reps:rep_settings"), settings_data),
    ("email settings", "rep", lambda w: reverse("reminders:preferences"),
     lambda w: reverse("reminders:preferences"), preferences_data),
    ("signed email link", "anonymous", token_url, token_url, preferences_data),
    ("make an API token", "admin", lambda w: reverse("reps:api_tokens"),
     lambda w: reverse("reps:api_tokens"), lambda w: {"name": "Chorus"}),
    ("revoke an API token", "admin", lambda w: reverse("reps:api_tokens"),
     lambda w: reverse("reps:api_token_revoke", kwargs={"token_id": w.api_token.pk}),
     lambda w: {}),
    ("set the webhook", "admin", lambda w: reverse("reminders:webhook"),
     lambda w: reverse("reminders:webhook"), webhook_data),
    ("rotate the webhook secret", "admin", lambda w: reverse("reminders:webhook"),
     webhook_url("reminders:webhook_rotate"), no_data),
    ("remove the webhook", "admin", lambda w: reverse("reminders:webhook"),
     webhook_url("reminders:webhook_delete"), no_data),
]  # fmt: skip


@pytest.fixture
def csrf_client():
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("htmx", [False, True], ids=["form post", "htmx post"])
@pytest.mark.parametrize(
    ("label", "role", "from_page", "target", "data"), CSRF_POSTS, ids=[p[0] for p in CSRF_POSTS]
)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(
    csrf_client, world, label, role, from_page, target, data, htmx
):
    if role != "anonymous":
        csrf_client.force_login(world.person(role))
    csrf_client.get(from_page(world))  # the csrftoken cookie is set; the token is not sent
    before = database_state()

    headers = {"HX-Request": "true"} if htmx else {}
    response = csrf_client.post(target(world), data(world), headers=headers)

    assert response.status_code == 403
    assert database_state() == before


@pytest.mark.parametrize(
    ("label", "role", "from_page", "target", "data"), CSRF_POSTS, ids=[p[0] for p in CSRF_POSTS]
)
def test_an_htmx_post_with_the_token_from_hx_headers_goes_through(
    csrf_client, world, label, role, from_page, target, data
):
    if role != "anonymous":
        csrf_client.force_login(world.person(role))
    token = csrf_token_from_page(csrf_client, from_page(world))
    before = database_state()

    response = csrf_client.post(
        target(world), data(world), headers={"HX-Request": "true", "X-CSRFToken": token}
    )

    assert response.status_code in (200, 302), response.content[:500]
    assert database_state() != before


def test_a_form_post_with_the_csrf_field_goes_through(csrf_client, world):
    csrf_client.force_login(world.manager)
    html = csrf_client.get(reverse("commitments:rep_detail", kwargs={"rep_id": world.rep.pk})).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = csrf_client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": world.rep.pk}),
        {**update_data(world), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    world.active.refresh_from_db()
    assert world.active.status == Commitment.Status.KEPT


def test_signing_out_needs_a_csrf_token(csrf_client, world):
    csrf_client.force_login(world.rep)

    refused = csrf_client.post(reverse("logout"))

    assert refused.status_code == 403
    assert csrf_client.get(reverse("commitments:my_one_thing")).status_code == 200


def _export_body(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_private_notes_and_diagnoses_are_exported_only_to_the_manager_who_wrote_them(client, world):
    client.force_login(world.manager)
    own = _export_body(client, reverse("commitments:team_export") + "?private=1")
    assert PRIVATE_NOTE in own
    assert DIAGNOSIS_LABEL in own

    client.force_login(world.other_manager)
    theirs = _export_body(client, reverse("commitments:team_export") + "?private=1")
    assert "Rita Rep" not in theirs

    client.force_login(world.admin)
    organisation = _export_body(client, reverse("commitments:organisation_export") + "?private=1")
    assert "Rita Rep" in organisation
    assert PRIVATE_NOTE not in organisation
    assert SHARED_NOTE not in organisation
    assert DIAGNOSIS_LABEL not in organisation
