"""Signing in and out, landing on the right page, and the rep settings a manager changes."""

import datetime as dt

import pytest
from django.urls import reverse

from reminders.models import Reminder
from reminders.services import reminder_schedule_for_rep
from tests.factories import PASSWORD, AdminFactory, CommitmentFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


@pytest.mark.parametrize(
    ("factory", "lands_on"),
    [
        (RepFactory, "commitments:my_one_thing"),
        (ManagerFactory, "commitments:team"),
        (AdminFactory, "commitments:organisation"),
    ],
    ids=["a rep", "a manager", "an org admin"],
)
def test_each_person_signs_in_by_email_and_lands_on_their_own_page(client, factory, lands_on):
    person = factory(email="pat@example.com")

    response = client.post(
        LOGIN, {"username": "pat@example.com", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(lands_on)
    assert response.context["user"] == person


def test_signing_in_ignores_the_case_of_the_email_address(client):
    RepFactory(email="pat@example.com")

    response = client.post(LOGIN, {"username": "Pat@Example.com", "password": PASSWORD})

    assert response.status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client):
    RepFactory(email="pat@example.com")

    response = client.post(LOGIN, {"username": "pat@example.com", "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert 'value="pat@example.com"' in response.text
    assert "_auth_user_id" not in client.session


def test_signing_in_returns_to_the_page_that_asked_for_it(client):
    rep = RepFactory()
    page = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})

    asked = client.get(page)
    assert asked.url == f"{LOGIN}?next={page}"
    response = client.post(
        asked.url, {"username": rep.manager.email, "password": PASSWORD, "next": page}
    )

    assert response.url == page


def test_signing_out_ends_the_session(client):
    client.force_login(RepFactory())

    response = client.post(reverse("logout"))

    assert response.url == LOGIN
    assert client.get(reverse("commitments:my_one_thing")).url.startswith(LOGIN)


def test_the_sign_out_button_is_a_form_post(client):
    client.force_login(RepFactory())

    page = client.get(reverse("commitments:my_one_thing")).text

    assert f'<form method="post" action="{reverse("logout")}"' in page


def test_a_manager_changes_a_reps_one_on_one_and_ramp_mode(client):
    rep = RepFactory()
    client.force_login(rep.manager)

    response = client.post(
        reverse("reps:rep_settings", kwargs={"rep_id": rep.pk}),
        {
            "one_on_one_weekday": "4",
            "one_on_one_time": "16:00",
            "one_on_one_every_weeks": "1",
            "timezone": "Asia/Tokyo",
            "ramp": "on",
            "start_date": "2026-11-23",
        },
    )

    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.one_on_one_weekday, rep.one_on_one_time) == (4, dt.time(16, 0))
    assert rep.timezone == "Asia/Tokyo"
    assert rep.ramp == "on"


def test_an_unknown_time_zone_is_refused_next_to_the_field(client):
    rep = RepFactory()
    client.force_login(rep.manager)

    response = client.post(
        reverse("reps:rep_settings", kwargs={"rep_id": rep.pk}),
        {
            "one_on_one_weekday": "4",
            "one_on_one_time": "16:00",
            "timezone": "Mars/Olympus",
            "ramp": "off",
        },
    )

    assert response.status_code == 422
    assert 'id="id_timezone_error"' in response.text
    rep.refresh_from_db()
    assert rep.timezone == "Europe/London"


def test_changing_the_rep_s_1_1_time_re_times_the_manager_s_prompt(client):
    rep = RepFactory(timezone="Europe/London", one_on_one_time=dt.time(10, 0))
    rep.manager.timezone = "Europe/London"
    rep.manager.save(update_fields=["timezone"])
    # Agreed Monday 30 Nov, checked at the 1:1 on Tuesday 8 Dec.
    commitment = CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 30), check_date=dt.date(2026, 12, 8)
    )
    reminder_schedule_for_rep(rep_id=rep.pk)
    prompt = Reminder.objects.get(kind=Reminder.Kind.PROMPT, commitment=commitment)
    assert prompt.due_at == dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)
    client.force_login(rep.manager)

    response = client.post(
        reverse("reps:rep_settings", kwargs={"rep_id": rep.pk}),
        {
            "one_on_one_weekday": "1",
            "one_on_one_time": "08:30",
            "one_on_one_every_weeks": "1",
            "timezone": "Europe/London",
            "ramp": "off",
            "start_date": "2026-01-05",
        },
    )

    assert response.status_code == 302
    prompt.refresh_from_db()
    # An 08:30 1:1 leaves no hour after an 08:00 prompt: it moves to the Monday before.
    assert prompt.due_at == dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
