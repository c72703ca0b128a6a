"""Practice plan and leading indicators: drills the manager attaches and the
rep ticks off, a number the rep logs, the chart across weeks and the
strength of the behaviour — through the pages both of them use."""

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from commitments.models import (
    DRILLS_MAX,
    Commitment,
    Drill,
    Fix,
    IndicatorEntry,
    NextStep,
    PracticeLog,
    drill_default_day,
    strength_of,
)
from commitments.services import (
    CommitmentSpec,
    TooManyDrills,
    check_record,
    commitment_set_indicator,
    drill_add,
    drill_tick,
    indicator_log,
)
from tests.commitments.test_one_active_commitment import race
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

ME = reverse("commitments:my_one_thing")
INDICATOR_NEW = reverse("commitments:indicator_new")
SVG = "{http://www.w3.org/2000/svg}"
# Frozen at Monday 30 Nov 2026; the rep's 1:1 is on Tuesdays, so their weeks
# run Tuesday to Monday and this one started on Tuesday 24 Nov.
TUE, WED, THU, FRI, MON = (dt.date(2026, 11, d) for d in (24, 25, 26, 27, 30))
KEPT, PARTLY, MISSED = "kept", "partly", "missed"


def drill_url(rep) -> str:
    return reverse("commitments:drill_new", kwargs={"rep_id": rep.pk})


def indicator_url(rep) -> str:
    return reverse("commitments:indicator_set", kwargs={"rep_id": rep.pk})


def done_url(drill) -> str:
    return reverse("commitments:drill_done", kwargs={"drill_id": drill.pk})


def field_error(response, field_id: str) -> str:
    marker = f'id="{field_id}_error">'
    assert marker in response.text, f"no error next to {field_id}"
    return html.unescape(response.text.split(marker, 1)[1].split("</small>", 1)[0])


def svg_of(page: str) -> ET.Element:
    found = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert found, "no chart on the page"
    return ET.fromstring(found.group(0))  # noqa: S314 - our own page, parsed in a test


def client_for(user) -> Client:
    """A second browser: the rep and the manager look at the same week."""
    client = Client()
    client.force_login(user)
    return client


def text_of(page: str) -> str:
    """The page as a reader gets it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def chart_table(page: str) -> str:
    table = page.split('id="indicator-chart-table"', 1)[1].split("</table>", 1)[0]
    return text_of(table)


@pytest.fixture
def with_indicator(active):
    active.indicator_unit = "discovery calls with 3+ questions"
    active.indicator_target = 10
    active.save(update_fields=["indicator_unit", "indicator_target"])
    return active


def add_drill(active, manager, prompt="Prospect: “Just send me some information.”", **kw):
    return drill_add(commitment=active, by=manager, kind="drill", prompt=prompt, **kw)


# --- the rule book: strength -------------------------------------------------------


def test_strength_of_six_kept_weeks_is_full_and_says_so():
    strength = strength_of([KEPT] * 6)

    assert (strength.score, strength.label) == (100, "Strong")
    assert strength.text == "Strong: kept 6 of the last 6 weeks."


def test_one_miss_does_not_undo_a_strong_behaviour():
    strength = strength_of([MISSED, *[KEPT] * 5])

    assert strength.label == "Strong"
    assert strength.score == 73
    assert strength.text == "Strong: kept 5 of the last 6 weeks; one miss doesn't undo it."


def test_strength_is_not_a_streak():
    # A streak counter would be back at zero after the latest miss.
    assert strength_of([MISSED, *[KEPT] * 5]).score > 50
    # And a miss long ago costs less than one last week: recent weeks count most.
    assert strength_of([*[KEPT] * 5, MISSED]).score > strength_of([MISSED, *[KEPT] * 5]).score


def test_one_good_week_does_not_make_a_behaviour_established():
    strength = strength_of([KEPT])

    assert strength.score == 27
    assert strength.label == "Early days"
    assert strength.text == "Early days: kept 1 of the last week; each kept week makes it stronger."


def test_partly_kept_weeks_count_half():
    assert strength_of([PARTLY] * 6).score == 50
    assert "partly 6" in strength_of([PARTLY] * 6).text


def test_only_the_last_six_checked_weeks_count():
    assert strength_of([*[KEPT] * 6, *[MISSED] * 10]).score == 100


def test_weeks_with_no_opportunity_are_left_out_not_counted_as_misses():
    assert strength_of(["no_opportunity", *[KEPT] * 6]).score == 100
    assert strength_of(["no_opportunity", KEPT]) == strength_of([KEPT])


def test_missed_weeks_only_point_to_a_diagnosis():
    strength = strength_of([MISSED] * 6)

    assert (strength.score, strength.label) == (0, "Not yet")
    assert "diagnose" in strength.text


def test_a_behaviour_never_checked_has_no_score():
    strength = strength_of([])

    assert strength.score is None
    assert strength.text == "Not checked yet: the score starts at the first check."


# --- the rule book: drills spread across the week ------------------------------------


def test_three_drills_are_spread_over_the_working_days_before_the_check():
    days = [
        drill_default_day(issued_on=TUE, check_date=dt.date(2026, 12, 1), today=TUE, index=n)
        for n in range(3)
    ]

    assert days == [WED, FRI, MON]  # never the weekend, never the day of either 1:1


def test_drills_added_late_in_the_week_are_planned_from_today():
    days = {
        drill_default_day(issued_on=TUE, check_date=dt.date(2026, 12, 1), today=MON, index=n)
        for n in range(3)
    }

    assert days == {MON}


# --- drills: the manager attaches them --------------------------------------------------


def test_the_manager_attaches_a_drill_on_the_rep_page(
    manager_client, manager, rep, active, rep_page
):
    page = manager_client.get(rep_page).text
    assert "Practice plan" in page
    assert "Add a drill or role-play (0 of 3)" in page

    response = manager_client.post(
        drill_url(rep),
        {
            "drill-kind": "roleplay",
            "drill-prompt": "Prospect: “We already have a vendor.”",
            "drill-talk_track": "Acknowledge, ask what they'd change, offer a comparison",
            "drill-model_answer": "Makes sense. If you could change one thing about them…",
            "drill-planned_on": "",
        },
    )

    assert response.status_code == 302
    drill = Drill.objects.get()
    assert (drill.commitment, drill.kind, drill.created_by) == (active, "roleplay", manager)
    # Added on Monday for a check on Tuesday: today is the only day left.
    assert drill.planned_on == MON
    assert "Added: role-play for Mon 30 Nov." in html.unescape(manager_client.get(rep_page).text)


def test_the_drill_form_over_htmx_swaps_the_plan_and_the_summary(manager_client, rep, active):
    response = manager_client.post(
        drill_url(rep),
        {
            "drill-kind": "drill",
            "drill-prompt": "Open with the trigger event",
            "drill-planned_on": "",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Open with the trigger event" in response.text
    assert 'id="since-last" class="since-last" hx-swap-oob="true"' in response.text
    assert "0 of 1 drill done" in response.text


def test_a_fourth_drill_is_refused_with_a_clear_message(manager_client, manager, rep, active):
    for n in range(DRILLS_MAX):
        add_drill(active, manager, prompt=f"Drill {n}")
    assert (
        "3 drills: the most a week has room for."
        in manager_client.get(reverse("commitments:rep_detail", args=[rep.pk])).text
    )

    response = manager_client.post(
        drill_url(rep), {"drill-kind": "drill", "drill-prompt": "One more", "drill-planned_on": ""}
    )

    assert response.status_code == 422
    assert (
        "This one thing already has 3 drills, the most a week has room for. Nothing was added."
        in html.unescape(response.text)
    )
    assert 'value="One more"' in response.text
    assert Drill.objects.count() == DRILLS_MAX
    with pytest.raises(TooManyDrills):
        add_drill(active, manager, prompt="Straight to the service")


def test_a_drill_planned_outside_the_week_is_refused_next_to_the_field(manager_client, rep, active):
    response = manager_client.post(
        drill_url(rep),
        {"drill-kind": "drill", "drill-prompt": "Practise", "drill-planned_on": "2026-12-09"},
    )

    assert response.status_code == 422
    assert field_error(response, "id_drill-planned_on") == (
        "Pick a day between Tue 24 Nov and the check on Tue 1 Dec."
    )
    assert not Drill.objects.exists()


def test_a_drill_needs_a_prompt(manager_client, rep, active):
    response = manager_client.post(
        drill_url(rep), {"drill-kind": "drill", "drill-prompt": " ", "drill-planned_on": ""}
    )

    assert response.status_code == 422
    assert field_error(response, "id_drill-prompt") == "Write the prompt the rep practises."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_adding_the_third_drill_at_once_make_three_not_four(active, manager):
    add_drill(active, manager, prompt="First")
    add_drill(active, manager, prompt="Second")

    def first(hold):
        with transaction.atomic():
            made = add_drill(active, manager, prompt="Third from tab A")
            hold()
        return made

    a, b = race(first, lambda: add_drill(active, manager, prompt="Third from tab B"))

    assert a.error is None, a.error
    assert isinstance(b.error, TooManyDrills), b.error
    assert list(Drill.objects.values_list("prompt", flat=True)) == [
        "First",
        "Second",
        "Third from tab A",
    ]


# --- drills: the rep ticks them off ---------------------------------------------------------


def test_the_rep_sees_the_drills_and_ticks_one_off_in_one_tap(rep_client, rep, manager, active):
    drill = add_drill(active, manager, talk_track="Ask why now", model_answer="What changed?")
    add_drill(active, manager, prompt="Second drill")

    page = html.unescape(rep_client.get(ME).text)
    assert "Your drills this week" in page
    assert "Prospect: “Just send me some information.”" in page
    assert "Ask why now" in page and "What changed?" in page
    assert "0 of 2 drills done" in page

    response = rep_client.post(done_url(drill), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Done: drill. It counts as practice." in response.text
    assert "1 of 2 drills done" in response.text
    drill.refresh_from_db()
    assert drill.is_done
    entry = PracticeLog.objects.get()
    assert (entry.commitment, entry.kind, entry.practiced_on) == (active, "drill", MON)
    assert drill.practice_log == entry
    assert "1 entry" in response.text  # the practice count includes the tick


def test_a_drill_is_ticked_only_by_a_signed_in_rep_with_get_or_post(rep_client, manager, active):
    drill = add_drill(active, manager)

    anonymous = Client().post(done_url(drill))
    other_method = rep_client.put(done_url(drill))

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert other_method.status_code == 405
    drill.refresh_from_db()
    assert not drill.is_done


def test_ticking_a_drill_twice_logs_it_once(rep_client, rep, manager, active):
    drill = add_drill(active, manager)

    assert rep_client.post(done_url(drill)).status_code == 302
    assert rep_client.post(done_url(drill)).status_code == 302

    assert PracticeLog.objects.count() == 1
    assert drill_tick(drill=drill, rep=rep).practice_log_id == PracticeLog.objects.get().pk


def test_a_drill_of_a_checked_commitment_cannot_be_ticked_off(rep_client, rep, manager, active):
    drill = add_drill(active, manager)
    check_record(commitment=active, by=manager, outcome="kept", next_step=NextStep.NONE)

    response = rep_client.post(done_url(drill))

    assert response.status_code == 422
    assert "already checked" in response.text
    assert not PracticeLog.objects.exists()


def test_a_rep_cannot_tick_another_reps_drill(client, manager, active):
    drill = add_drill(active, manager)
    other = RepFactory(organisation=manager.organisation, manager=manager)
    client.force_login(other)

    assert client.post(done_url(drill)).status_code == 404
    assert client.get(done_url(drill)).status_code == 404
    drill.refresh_from_db()
    assert not drill.is_done
    with pytest.raises(ValidationError, match="not yours"):
        drill_tick(drill=drill, rep=other)


def test_the_update_shows_what_was_done_before_the_question(
    manager_client, manager, rep, with_indicator, rep_page
):
    done = add_drill(with_indicator, manager, prompt="One")
    add_drill(with_indicator, manager, prompt="Two")
    add_drill(with_indicator, manager, prompt="Three")
    drill_tick(drill=done, rep=rep)
    for day in (WED, THU, FRI):
        PracticeLog.objects.create(commitment=with_indicator, rep=rep, practiced_on=day)
    indicator_log(rep=rep, value=7, day=MON)

    page = manager_client.get(rep_page).text

    summary = (
        "Done so far: 1 of 3 drills done · 4 practice entries · "
        "7 discovery calls with 3+ questions this week (target 10)"
    )
    assert summary in text_of(page)
    update = page.split('id="update-heading"', 1)[1]
    assert update.index("Done so far") < update.index('name="outcome"')


# --- the leading indicator ------------------------------------------------------------------


def test_a_new_commitment_can_name_a_leading_indicator(manager_client, rep, new_url, rep_page):
    page = manager_client.get(rep_page).text
    assert "<legend>The number to watch (optional)</legend>" in page

    response = manager_client.post(
        new_url,
        {
            "behaviour": "Ask three 'why now?' questions on every discovery call",
            "check_date": "2026-12-08",
            "indicator_unit": " discovery calls with 3+ questions ",
            "indicator_target": "5",
        },
    )

    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.indicator_unit, commitment.indicator_target) == (
        "discovery calls with 3+ questions",
        5,
    )


def test_a_weekly_target_needs_a_unit(manager_client, rep, new_url):
    response = manager_client.post(
        new_url,
        {
            "behaviour": "Call back inbound leads",
            "check_date": "2026-12-08",
            "indicator_target": "5",
        },
    )

    assert response.status_code == 422
    assert "Name what the weekly target counts" in field_error(response, "id_indicator_unit")
    assert not Commitment.objects.exists()


def test_a_reissue_carries_the_indicator_over(manager, with_indicator):
    _, following = check_record(
        commitment=with_indicator,
        by=manager,
        outcome="missed",
        diagnosis="system",
        fix=Fix(task="The 9 a.m. stand-up"),
        next_step=NextStep.REISSUE,
        next_spec=CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8)),
    )

    assert (following.indicator_unit, following.indicator_target) == (
        "discovery calls with 3+ questions",
        10,
    )


def test_the_manager_edits_the_indicator_of_the_active_commitment(
    manager_client, rep, active, rep_page
):
    response = manager_client.post(
        indicator_url(rep),
        {"indicator-indicator_unit": "emails with a trigger", "indicator-indicator_target": "12"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Saved: emails with a trigger, 12 a week." in response.text
    active.refresh_from_db()
    assert (active.indicator_unit, active.indicator_target) == ("emails with a trigger", 12)

    refused = manager_client.post(
        indicator_url(rep),
        {"indicator-indicator_unit": "emails", "indicator-indicator_target": "0"},
    )
    assert refused.status_code == 422
    assert field_error(refused, "id_indicator-indicator_target")
    active.refresh_from_db()
    assert active.indicator_target == 12


def test_the_rep_logs_a_value_in_a_tap(rep_client, rep, with_indicator):
    page = rep_client.get(ME).text
    assert "Log your number: discovery calls with 3+ questions" in page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})" id="id_idempotency_key"', page)
    assert key

    data = {"value": "4", "day": "2026-11-30", "idempotency_key": key.group(1)}
    response = rep_client.post(INDICATOR_NEW, data, headers={"HX-Request": "true"})
    again = rep_client.post(INDICATOR_NEW, data, headers={"HX-Request": "true"})

    assert response.status_code == again.status_code == 200
    assert "Logged: 4 for Mon 30 Nov." in response.text
    entry = IndicatorEntry.objects.get()
    assert (entry.rep, entry.commitment, entry.day, entry.value) == (rep, with_indicator, MON, 4)
    assert "4 this week so far, target 10 a week." in again.text


@pytest.mark.parametrize(
    ("value", "day", "field", "message"),
    [
        ("-1", "2026-11-30", "id_value", "Ensure this value is greater than or equal to 0."),
        ("10001", "2026-11-30", "id_value", "Ensure this value is less than or equal to 10000."),
        ("many", "2026-11-30", "id_value", "Enter a whole number."),
        ("", "2026-11-30", "id_value", "Type a number, 0 is fine."),
        ("3", "2026-12-01", "id_day", "Log it once it has happened, not ahead of time."),
        ("3", "2026-11-20", "id_day", "Your one thing started on Tue 24 Nov: log from then."),
    ],
)
def test_bad_values_are_refused_next_to_the_field(
    rep_client, with_indicator, value, day, field, message
):
    response = rep_client.post(INDICATOR_NEW, {"value": value, "day": day})

    assert response.status_code == 422
    assert field_error(response, field) == message
    assert not IndicatorEntry.objects.exists()


def test_a_value_without_an_indicator_is_refused_with_a_message(rep_client, active):
    response = rep_client.post(INDICATOR_NEW, {"value": "3", "day": "2026-11-30"})

    assert response.status_code == 422
    assert "Your one thing has no number to watch yet" in html.unescape(response.text)
    assert not IndicatorEntry.objects.exists()


# --- the chart and the strength on both pages ------------------------------------------------


@pytest.fixture
def weeks_of_history(rep, manager, with_indicator):
    """Two checked weeks before this one (missed, diagnosed as system; kept),
    values in three weeks."""
    missed = CommitmentFactory(
        rep=rep,
        behaviour=with_indicator.behaviour,
        status="missed",
        issued_on=dt.date(2026, 11, 10),
        check_date=dt.date(2026, 11, 17),
        indicator_unit="discovery calls with 3+ questions",
        indicator_target=10,
    )
    CheckFactory(commitment=missed, diagnosis="system", checked_on=dt.date(2026, 11, 17))
    kept = CommitmentFactory(
        rep=rep,
        behaviour=with_indicator.behaviour,
        status="kept",
        issued_on=dt.date(2026, 11, 17),
        check_date=TUE,
        indicator_unit="discovery calls with 3+ questions",
        indicator_target=10,
    )
    CheckFactory(commitment=kept, checked_on=TUE)
    for commitment, day, value in (
        (missed, dt.date(2026, 11, 12), 3),
        (missed, dt.date(2026, 11, 13), 1),
        (kept, dt.date(2026, 11, 19), 11),
        (with_indicator, WED, 6),
    ):
        IndicatorEntry.objects.create(commitment=commitment, rep=rep, day=day, value=value)
    return missed, kept


def test_the_rep_page_shows_the_chart_with_target_periods_and_checks(
    manager_client, rep_page, weeks_of_history
):
    page = manager_client.get(rep_page).text
    svg = svg_of(page)

    assert svg.get("role") == "img"
    labelled = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == labelled[0]
    assert (
        svg.find(f"{SVG}title").text
        == "Discovery calls with 3+ questions per week, the last 12 weeks"
    )
    assert "This week: 6, target 10." in svg.find(f"{SVG}desc").text
    targets = svg.findall(f".//{SVG}line[@class='ic-target']")
    assert {line.get("data-target") for line in targets} == {"10"}
    assert len({line.get("y1") for line in targets}) == 1
    bars = [rect.get("data-value") for rect in svg.findall(f".//{SVG}rect[@class='ic-bar']")]
    assert bars == ["4", "11", "6"]  # the week's sum, oldest first
    assert len(svg.findall(f".//{SVG}rect[@class='ic-period ic-period-0']")) == 2
    assert len(svg.findall(f".//{SVG}rect[@class='ic-period ic-period-1']")) == 1
    checks = svg.findall(f".//{SVG}g[@data-status]")
    marks = [
        (g.get("data-status"), g.find(f"{SVG}text[@class='ic-check-symbol']").text) for g in checks
    ]
    assert marks == [("missed", "✗"), ("kept", "✓")]
    # The diagnosis letter, for the manager who wrote it.
    assert checks[0].find(f"{SVG}text[@class='ic-check-letter']").text == "Y"
    assert checks[1].find(f"{SVG}text[@class='ic-check-letter']") is None

    table = chart_table(page)
    assert (
        "Tue 10 Nov 4 10 ✗ missed on 17 Nov (diagnosis: System: something made it impossible)"
        in " ".join(table.split())
    )
    assert "Tue 17 Nov 11 10 ✓ kept on 24 Nov" in " ".join(table.split())
    assert "Tue 24 Nov 6 10 no check" in " ".join(table.split())
    assert "Tue 8 Sep nothing logged none no check" in " ".join(table.split())


def test_the_rep_sees_the_chart_without_the_diagnosis(rep_client, weeks_of_history):
    page = rep_client.get(ME).text
    svg = svg_of(page)

    assert "Watch the line move" in page
    assert [g.get("data-status") for g in svg.findall(f".//{SVG}g[@data-status]")] == [
        "missed",
        "kept",
    ]
    assert svg.findall(f".//{SVG}text[@class='ic-check-letter']") == []
    assert "diagnosis" not in chart_table(page)
    assert "System" not in page


def test_an_org_admin_sees_no_diagnosis_letter(client, manager, rep_page, weeks_of_history):
    client.force_login(AdminFactory(organisation=manager.organisation))

    svg = svg_of(client.get(rep_page).text)

    assert svg.findall(f".//{SVG}text[@class='ic-check-letter']") == []


def test_no_values_shows_an_empty_state_not_an_empty_chart(
    manager_client, rep, rep_page, with_indicator
):
    for page in (client_for(rep).get(ME).text, manager_client.get(rep_page).text):
        assert "<svg" not in page
        assert (
            "No values logged yet. Each week's total will show here against the target of 10"
            in html.unescape(page)
        )


def test_the_strength_beside_the_chart_is_explained_in_one_line(
    manager_client, rep, rep_page, with_indicator
):
    for weeks_ago, status in enumerate([MISSED, KEPT, KEPT, KEPT, KEPT, KEPT], start=1):
        issued = TUE - dt.timedelta(weeks=weeks_ago)
        past = CommitmentFactory(
            rep=rep,
            behaviour=with_indicator.behaviour,
            status=status,
            issued_on=issued,
            check_date=issued + dt.timedelta(days=7),
        )
        CheckFactory(commitment=past, checked_on=issued + dt.timedelta(days=7))
    # Another behaviour's weeks are not this one's strength.
    other = CommitmentFactory(
        rep=rep,
        behaviour="Something else",
        status="missed",
        issued_on=dt.date(2026, 8, 4),
        check_date=dt.date(2026, 8, 11),
    )
    CheckFactory(commitment=other, checked_on=dt.date(2026, 8, 11))

    for page in (manager_client.get(rep_page).text, client_for(rep).get(ME).text):
        page = html.unescape(page)
        assert "<strong>73</strong>" in page
        assert "Strong: kept 5 of the last 6 weeks; one miss doesn't undo it." in page


def test_script_in_a_drill_or_a_unit_is_shown_as_text(
    manager_client, rep, manager, active, rep_page
):
    attack = "<script>alert('x')</script>"
    add_drill(active, manager, prompt=attack, talk_track=attack, model_answer=attack)
    active.indicator_unit = attack
    active.indicator_target = 3
    active.save(update_fields=["indicator_unit", "indicator_target"])
    indicator_log(rep=rep, value=2, day=MON)

    for page in (manager_client.get(rep_page).text, client_for(rep).get(ME).text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
        svg = svg_of(page)  # still well-formed
        assert svg.find(f"{SVG}title").text.endswith(
            "alert('x')</script> per week, the last 12 weeks"
        )


# --- nobody reaches what is not theirs -----------------------------------------------------


def test_another_managers_rep_is_a_404_for_every_new_page(client, rep, manager, active):
    drill = add_drill(active, manager)
    client.force_login(ManagerFactory(organisation=manager.organisation))

    for url in (drill_url(rep), indicator_url(rep)):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    # The rep pages of reps: a manager is not a rep.
    assert client.post(done_url(drill)).status_code == 404
    assert client.post(INDICATOR_NEW, {"value": "1", "day": "2026-11-30"}).status_code == 404
    assert Drill.objects.count() == 1
    assert not IndicatorEntry.objects.exists()


def test_a_rep_cannot_reach_the_managers_practice_plan(rep_client, rep, active):
    for url in (drill_url(rep), indicator_url(rep)):
        assert rep_client.get(url).status_code == 404
        assert rep_client.post(url, {}).status_code == 404


def test_an_org_admin_reads_the_plan_but_does_not_change_it(client, manager, rep, active, rep_page):
    add_drill(active, manager, prompt="Only the manager adds these")
    client.force_login(AdminFactory(organisation=manager.organisation))

    page = client.get(rep_page).text
    assert "Only the manager adds these" in page
    assert "Add a drill" not in page
    assert client.post(drill_url(rep), {"drill-prompt": "x"}).status_code == 404
    assert client.post(indicator_url(rep), {}).status_code == 404


def test_the_services_refuse_text_too_long_for_its_column(manager, active):
    with pytest.raises(ValidationError, match="Keep it to 80 characters"):
        commitment_set_indicator(commitment=active, by=manager, unit="x" * 81, target=3)
    with pytest.raises(ValidationError, match="Keep it to 300 characters"):
        add_drill(active, manager, prompt="x" * 301)
    with pytest.raises(ValidationError, match="Keep it to 2,000 characters"):
        add_drill(active, manager, model_answer="x" * 2001)


def test_weeks_counting_different_things_say_so(manager_client, rep, rep_page, with_indicator):
    # Last week's behaviour (kept, now layered on) watched another number.
    before = CommitmentFactory(
        rep=rep,
        behaviour="Send personalised first-touch emails",
        status="kept",
        issued_on=dt.date(2026, 11, 17),
        check_date=TUE,
        indicator_unit="emails",
        indicator_target=20,
    )
    CheckFactory(commitment=before, checked_on=TUE)
    IndicatorEntry.objects.create(commitment=before, rep=rep, day=dt.date(2026, 11, 18), value=22)
    IndicatorEntry.objects.create(commitment=with_indicator, rep=rep, day=WED, value=4)

    page = manager_client.get(rep_page).text
    svg = svg_of(page)

    assert svg.find(f"{SVG}title").text == (
        "The number to watch per week, the last 12 weeks (now: discovery calls with 3+ questions)"
    )
    targets = svg.findall(f".//{SVG}line[@class='ic-target']")
    assert [line.get("data-target") for line in targets] == ["20", "10"]
    table = chart_table(page)
    assert "Tue 17 Nov 22 20 emails ✓ kept on 24 Nov" in table
    assert "Tue 24 Nov 4 10 discovery calls with 3+ questions no check" in table
