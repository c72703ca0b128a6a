"""Beyond coaching follows the tree: the rep can do it in a drill, or buys
the why and has the time, and still misses — for ``BEYOND_COACHING_MISSES``
checks in a row. The rep page, the team row and the digest say so plainly, to
the manager who diagnosed the misses only, and suggest a performance
conversation, which can be recorded.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import Fix, PerformanceConversation
from reminders.services.compose import reminder_digest_context
from tests.commitments.test_weekly_update import field_error
from tests.factories import AdminFactory, CommitmentFactory, ManagerFactory

pytestmark = pytest.mark.django_db

FIRST_TUESDAY = dt.date(2026, 11, 3)
# Did not attempt it, though they buy the why and had the time: will.
NO_EXCUSE = {"attempted": False, "buys_why": True, "has_time": True}
# Attempted, and fine in a drill: transfer.
FINE_IN_DRILLS = {"attempted": True, "can_do_in_drill": True}
# Did not attempt it, and does not buy the why (though they understand it): will, coachable.
NOT_SOLD = {"attempted": False, "buys_why": False, "understands_why": True}
BEYOND = "Beyond coaching"
DIGEST_MONDAY = dt.date(2026, 11, 30)


def misses(manager, rep, answers_list, *, outcome="missed"):
    """A miss at each weekly 1:1 from 10 November, diagnosed through the
    tree's answers and re-issued; the last re-issue is active now."""
    active = CommitmentFactory(
        rep=rep, issued_on=FIRST_TUESDAY, check_date=FIRST_TUESDAY + dt.timedelta(weeks=1)
    )
    for week, answers in enumerate(answers_list, start=1):
        day = FIRST_TUESDAY + dt.timedelta(weeks=week)
        _, active = services.check_record(
            commitment=active,
            by=manager,
            outcome=outcome if week == len(answers_list) else "missed",
            answers=answers,
            fix=Fix(shadowing_on=day + dt.timedelta(days=1), why=active.why, why_confirmed=True),
            next_step="reissue",
            next_spec=services.CommitmentSpec(behaviour="", check_date=day + dt.timedelta(weeks=1)),
            now=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        )
    return active


def rep_page(client, viewer, rep) -> str:
    client.force_login(viewer)
    response = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))
    assert response.status_code == 200
    return html.unescape(response.text)


def team_row(client, viewer, manager, rep) -> str:
    client.force_login(viewer)
    url = (
        reverse("commitments:team")
        if viewer == manager
        else reverse("commitments:team_of", kwargs={"manager_id": manager.pk})
    )
    page = html.unescape(client.get(url).text)
    link = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    [row] = [r for r in page.split("<tr>") if f'href="{link}"' in r]
    return row.split("</tr>", 1)[0]


def digest(manager) -> tuple[str, str]:
    context = reminder_digest_context(manager=manager, monday=DIGEST_MONDAY)
    return (
        render_to_string("emails/digest.txt", context),
        render_to_string("emails/digest.html", context),
    )


def test_three_misses_with_skill_time_and_the_why_ruled_out_are_beyond_coaching(
    client, manager, rep
):
    misses(manager, rep, [NO_EXCUSE, FINE_IN_DRILLS, NO_EXCUSE])

    page = rep_page(client, manager, rep)
    assert f"{BEYOND} ?" not in page and f"{BEYOND}?" in page
    assert "3 misses in a row" in page
    assert "performance conversation" in page
    assert "Beyond coaching: time for a performance conversation" in team_row(
        client, manager, manager, rep
    )
    text, html_part = digest(manager)
    assert "beyond coaching: they can do it, buy the why and have the time" in text
    assert "<strong>beyond coaching</strong>" in html_part


def test_a_miss_where_the_rep_does_not_buy_the_why_is_still_coachable(client, manager, rep):
    misses(manager, rep, [NO_EXCUSE, NOT_SOLD, NO_EXCUSE])

    assert BEYOND not in rep_page(client, manager, rep)
    assert BEYOND not in team_row(client, manager, manager, rep)
    text, _ = digest(manager)
    assert "beyond coaching" not in text
    assert "diagnose before you re-issue" in text


def test_a_partly_kept_week_breaks_the_run(client, manager, rep):
    misses(manager, rep, [NO_EXCUSE, NO_EXCUSE, NO_EXCUSE], outcome="partly")

    assert BEYOND not in rep_page(client, manager, rep)


def test_two_misses_are_not_enough_by_default(client, manager, rep):
    misses(manager, rep, [NO_EXCUSE, FINE_IN_DRILLS])

    assert BEYOND not in rep_page(client, manager, rep)


def test_the_threshold_is_a_setting(client, settings, manager, rep):
    settings.BEYOND_COACHING_MISSES = 2
    misses(manager, rep, [NO_EXCUSE, FINE_IN_DRILLS])

    page = rep_page(client, manager, rep)

    assert f"{BEYOND}?" in page
    assert "2 misses in a row" in page


def test_only_the_manager_who_diagnosed_the_misses_is_told(client, manager, rep):
    misses(manager, rep, [NO_EXCUSE, FINE_IN_DRILLS, NO_EXCUSE])
    admin = AdminFactory(organisation=rep.organisation)

    assert BEYOND not in rep_page(client, admin, rep)
    assert BEYOND not in team_row(client, admin, manager, rep)
    next_manager = ManagerFactory(organisation=rep.organisation)
    rep.manager = next_manager
    rep.save(update_fields=["manager"])
    assert BEYOND not in rep_page(client, next_manager, rep)
    assert BEYOND not in team_row(client, next_manager, next_manager, rep)


# --- the performance conversation ------------------------------------------------


@pytest.fixture
def beyond(manager, rep):
    misses(manager, rep, [NO_EXCUSE, FINE_IN_DRILLS, NO_EXCUSE])
    return reverse("commitments:performance_conversation_new", kwargs={"rep_id": rep.pk})


def test_the_manager_records_the_performance_conversation(client, manager, rep, beyond):
    client.force_login(manager)
    page = rep_page(client, manager, rep)
    assert 'name="performance-held_on"' in page

    response = client.post(
        beyond, {"performance-held_on": "2026-11-30", "performance-note": "Agreed a 30-day plan"}
    )

    assert response.status_code == 302
    talk = PerformanceConversation.objects.get()
    assert (talk.rep, talk.manager, talk.held_on) == (rep, manager, dt.date(2026, 11, 30))
    history = rep_page(client, manager, rep).split('id="history-heading"', 1)[1]
    assert "30 Nov 2026: performance conversation — Agreed a 30-day plan" in history


def test_a_performance_conversation_is_recorded_once_it_has_happened(client, manager, rep, beyond):
    client.force_login(manager)

    response = client.post(beyond, {"performance-held_on": "2026-12-02"})

    assert response.status_code == 422
    assert "once it has happened" in field_error(response, "id_performance-held_on")
    assert not PerformanceConversation.objects.exists()


def test_only_the_reps_manager_records_it_and_only_they_read_it(client, manager, rep, beyond):
    services.performance_conversation_record(
        rep=rep, by=manager, held_on=dt.date(2026, 11, 27), note="Private plan", now=timezone.now()
    )
    admin = AdminFactory(organisation=rep.organisation)
    other = ManagerFactory(organisation=rep.organisation)
    for viewer in (admin, other, rep):
        client.force_login(viewer)
        assert client.post(beyond, {"performance-held_on": "2026-11-30"}).status_code == 404
    assert PerformanceConversation.objects.count() == 1

    assert "Private plan" not in rep_page(client, admin, rep)
    client.force_login(rep)
    assert "Private plan" not in client.get(reverse("commitments:my_one_thing")).text
    assert "Private plan" in rep_page(client, manager, rep)
