"""The team page as a 1:1 queue, and "next rep due" after a save.

Time is pinned to Monday 30 November 2026, 09:00 UTC (Europe/London: the
same day; Pacific/Honolulu: Sunday 29th, 23:00; Australia/Sydney: 20:00 on
Monday 30th).
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import QueueFilter, QueueRank, Rep, RepPulse
from commitments.views import TEAM_PAGE_SIZE
from tests.commitments.test_team_pages import TEAM_PAGE_QUERIES
from tests.commitments.test_weekly_update import weekly_update
from tests.factories import CheckFactory, CommitmentFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def rep_due(manager, name: str, check_in: int | None, **fields):
    """A rep of ``manager`` whose one thing is checked ``check_in`` days from
    today (negative: overdue); None: no one thing."""
    rep = RepFactory(organisation=manager.organisation, manager=manager, name=name, **fields)
    if check_in is not None:
        check_date = day(check_in)
        CommitmentFactory(
            rep=rep, issued_on=min(TODAY, check_date) - dt.timedelta(days=7), check_date=check_date
        )
    return rep


def rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def queue(manager):
    """Reps created in an order that is not the queue's."""
    return [
        rep_due(manager, "Upcoming Thursday", 3),
        rep_due(manager, "No one thing", None),
        rep_due(manager, "Due today", 0),
        rep_due(manager, "Upcoming Tuesday", 1),
        rep_due(manager, "Overdue since Friday", -3),
        rep_due(manager, "Overdue since Wednesday", -5),
        rep_due(manager, "Upcoming in two weeks", 14),
    ]


QUEUE_ORDER = [
    "Overdue since Wednesday",
    "Overdue since Friday",
    "Due today",
    "No one thing",
    "Upcoming Tuesday",
    "Upcoming Thursday",
    "Upcoming in two weeks",
]


def test_the_team_page_lists_reps_in_queue_order_overdue_first(manager_client, queue):
    page = manager_client.get(reverse("commitments:team")).text

    assert rows(page) == QUEUE_ORDER


def test_the_queue_order_is_a_queryset_fact_with_each_reps_rank(manager, queue):
    reps = list(Rep.objects.filter(manager=manager).in_queue_order(timezone.now()))

    assert [r.name for r in reps] == QUEUE_ORDER
    assert [r.queue_status for r in reps] == [
        "Overdue",
        "Overdue",
        "Due today",
        "Needs a one thing",
        "Upcoming",
        "Upcoming",
        "Upcoming",
    ]
    assert reps[3].queue_check_date is None


def test_overdue_is_read_in_each_reps_own_day(manager):
    # Both checks are on Sunday 29th: already past in Sydney, still today in Honolulu.
    honolulu = rep_due(manager, "A Honolulu", -1, timezone="Pacific/Honolulu")
    sydney = rep_due(manager, "B Sydney", -1, timezone="Australia/Sydney")

    reps = list(Rep.objects.filter(manager=manager).in_queue_order(timezone.now()))

    assert [(r.pk, r.queue_rank) for r in reps] == [
        (sydney.pk, QueueRank.OVERDUE),
        (honolulu.pk, QueueRank.DUE_TODAY),
    ]


def test_reps_due_the_same_day_come_by_name(manager_client, manager):
    for name in ("Cleo", "Abe", "Bea"):
        rep_due(manager, name, 2)

    page = manager_client.get(reverse("commitments:team")).text

    assert rows(page) == ["Abe", "Bea", "Cleo"]


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("overdue", ["Overdue since Wednesday", "Overdue since Friday"]),
        (
            "due",
            [
                "Overdue since Wednesday",
                "Overdue since Friday",
                "Due today",
                "Upcoming Tuesday",
                "Upcoming Thursday",
            ],
        ),
        ("none", ["No one thing"]),
        ("all", QUEUE_ORDER),
        ("nonsense", QUEUE_ORDER),
        ("", QUEUE_ORDER),
    ],
)
def test_the_queue_can_be_filtered(manager_client, queue, show, expected):
    page = manager_client.get(reverse("commitments:team") + f"?show={show}").text

    assert rows(page) == expected


def test_needs_help_shows_the_reps_whose_latest_answer_asks_for_help(manager_client, manager):
    helped = rep_due(manager, "Asked for help", 2)
    later = rep_due(manager, "Asked, then on it", 2)
    closed = rep_due(manager, "Asked last week", 2)
    for rep, answers in ((helped, ["on_it", "need_help"]), (later, ["need_help", "on_it"])):
        active = rep.commitments.get(status="active")
        for hour, answer in enumerate(answers):
            RepPulse.objects.create(
                commitment=active,
                answer=answer,
                at=timezone.now() - dt.timedelta(hours=5 - hour),
                answered_on=TODAY,
            )
    old = CommitmentFactory(rep=closed, status="missed", issued_on=day(-14), check_date=day(-7))
    RepPulse.objects.create(
        commitment=old, answer="need_help", at=timezone.now(), answered_on=day(-10)
    )

    page = manager_client.get(reverse("commitments:team") + "?show=help").text

    assert rows(page) == ["Asked for help"]


def test_due_this_week_ends_six_days_from_today(manager_client, manager):
    rep_due(manager, "In six days", 6)
    rep_due(manager, "In seven days", 7)

    page = manager_client.get(reverse("commitments:team") + "?show=due").text

    assert rows(page) == ["In six days"]


def test_the_filters_are_links_that_say_which_is_shown(manager_client, queue):
    page = manager_client.get(reverse("commitments:team") + "?show=overdue").text

    assert '<nav class="queue-filter" aria-label="Which reps to show">' in page
    assert '<a href="/team/?show=overdue" aria-current="page">Overdue</a>' in page
    assert '<a href="/team/">All</a>' in page
    for _value, label in QueueFilter.choices:
        assert f">{label}</a>" in page
    assert "<strong>2</strong><span>reps shown</span>" in page


def test_an_empty_filter_says_so_and_links_back_to_all(manager_client, manager):
    rep_due(manager, "Fine", 3)

    page = manager_client.get(reverse("commitments:team") + "?show=overdue").text

    assert rows(page) == []
    assert "No reps here right now." in page
    assert "No reps yet." not in page


@pytest.mark.parametrize("show", ["all", "overdue", "due", "none", "help"])
def test_a_filtered_queue_runs_the_same_fixed_number_of_queries(
    manager_client, queue, show, django_assert_num_queries
):
    # Every filter shows a row: one rep needs help.
    RepPulse.objects.create(
        commitment=queue[2].commitments.get(status="active"),
        answer="need_help",
        at=timezone.now(),
        answered_on=TODAY,
    )

    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        page = manager_client.get(reverse("commitments:team") + f"?show={show}").text

    assert rows(page)


def test_the_pages_of_a_filtered_queue_keep_the_filter(manager_client, manager):
    for i in range(TEAM_PAGE_SIZE + 2):
        rep_due(manager, f"Rep {i:02}", None)

    first = manager_client.get(reverse("commitments:team") + "?show=none").text
    second = manager_client.get(reverse("commitments:team") + "?show=none&page=2").text

    assert 'href="?show=none&amp;page=2"' in first
    assert rows(second) == [f"Rep {i:02}" for i in range(TEAM_PAGE_SIZE, TEAM_PAGE_SIZE + 2)]
    assert "Page 2 of 2" in second


def test_a_rows_link_opens_the_rep_in_place(manager_client, queue):
    page = manager_client.get(reverse("commitments:team")).text

    assert '<table class="rows" hx-boost="true">' in page


# --- after a save: the next rep due ------------------------------------------------------


def save(client, update_url, active):
    """The weekly update (kept, layered), saved in place."""
    return client.post(update_url, weekly_update(active), headers={"HX-Request": "true"})


def test_after_a_save_the_next_rep_due_is_offered_in_the_queues_order(
    manager_client, manager, rep, active, update_url
):
    # Rita (due tomorrow) is checked early; the queue's next is the overdue one.
    rep_due(manager, "Upcoming Thursday", 3)
    overdue = rep_due(manager, "Overdue since Friday", -3)

    response = save(manager_client, update_url, active)

    assert response.status_code == 200
    link = re.search(r'<a href="([^"]+)" class="next-rep"[^>]*>([^<]+)</a>', response.text)
    assert link.groups() == (f"/reps/{overdue.pk}/", "Next rep due: Overdue since Friday")
    assert "(overdue, check Fri 27 Nov)" in response.text
    assert 'data-focus-after-save data-key="n"' in response.text


def test_the_next_rep_due_skips_reps_already_updated_today(
    manager_client, manager, rep, active, update_url
):
    done = rep_due(manager, "Agreed today", None)
    CommitmentFactory(rep=done, issued_on=TODAY, check_date=day(7))
    checked = rep_due(manager, "Checked today, nothing next", None)
    CheckFactory(
        commitment=CommitmentFactory(
            rep=checked, status="kept", issued_on=day(-7), check_date=TODAY
        )
    )
    nora = rep_due(manager, "Nora", None)

    response = save(manager_client, update_url, active)

    assert f'<a href="/reps/{nora.pk}/" class="next-rep"' in response.text


def test_the_next_rep_due_is_never_another_managers_rep(
    manager_client, manager, rep, active, update_url
):
    rep_due(ManagerFactory(organisation=manager.organisation), "Theirs, overdue", -3)

    response = save(manager_client, update_url, active)

    assert "Theirs" not in response.text
    assert "No other rep is due: back to the queue" in response.text


def test_setting_a_first_one_thing_also_offers_the_next_rep(manager_client, manager, rep, new_url):
    nora = rep_due(manager, "Nora", 2)
    data = {
        "behaviour": "Ask for the next step on every call",
        "check_date": "2026-12-07",
        "target_count": "",
        "by_time": "",
    }

    response = manager_client.post(new_url, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Next check: Monday 7 December" in response.text
    assert f'<a href="/reps/{nora.pk}/" class="next-rep"' in response.text


def test_without_javascript_the_rep_page_shows_the_saved_state_once(
    manager_client, manager, rep, active, update_url, rep_page
):
    nora = rep_due(manager, "Nora", 2)

    response = manager_client.post(update_url, weekly_update(active), follow=True)

    assert response.redirect_chain == [(rep_page, 302)]
    assert "Next check: Monday 7 December" in response.text
    assert f'<a href="/reps/{nora.pk}/" class="next-rep"' in response.text
    assert 'id="update-heading"' not in response.text
    # Opened again later: the usual page, with the check form for the new one thing.
    again = manager_client.get(rep_page).text
    assert "next-rep" not in again
    assert 'id="update-heading"' in again


def test_an_ordinary_visit_of_the_rep_page_offers_no_next_rep(
    manager_client, manager, rep, active, rep_page
):
    rep_due(manager, "Nora", 2)

    page = manager_client.get(rep_page).text

    assert "next-rep" not in page
    assert 'id="update-heading"' in page


# --- the update form without JavaScript -------------------------------------------------


def test_without_javascript_the_whole_update_form_shows(manager_client, active, rep_page):
    page = manager_client.get(rep_page).text
    form = page[
        page.index("data-weekly-update") : page.index("</form>", page.index("data-weekly-update"))
    ]

    # app.js hides what an outcome does not need; the page itself hides nothing.
    assert "data-for-outcomes" in form
    assert "data-for-steps" in form
    assert " hidden" not in form.replace("data-keys-hint hidden", "")
    # The next one thing's fields are a fieldset, never a collapsed <details>.
    assert '<fieldset class="next-thing" data-for-steps="layer new">' in form
    assert 'name="next-behaviour"' in form
