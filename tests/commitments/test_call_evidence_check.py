"""Call evidence at the 1:1: transcripts checked for the one thing, the
week's calls, and a suggested outcome the manager confirms."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from commitments.models import Check, CoachingSession, Commitment, suggested_outcome
from commitments.transcripts import cues_parse, keywords_from, transcript_matches
from tests.factories import CallEvidenceFactory, ManagerFactory

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.500
Hi Sam, thanks for taking the call.

2
00:01:02.250 --> 00:01:06.000
I saw the TRIGGER-EVENT in your news:
the Series B opener.

NOTE an aside, not said

03:05.000 --> 03:09.000
Anything else?
"""


def test_webvtt_cues_are_read_with_their_start_times_and_joined_lines():
    assert [(c.start, c.text) for c in cues_parse(VTT)] == [
        ("00:00:01", "Hi Sam, thanks for taking the call."),
        ("00:01:02", "I saw the TRIGGER-EVENT in your news: the Series B opener."),
        ("00:03:05", "Anything else?"),
    ]


def test_plain_text_is_read_line_by_line_without_times():
    cues = cues_parse("Hello there\r\n\r\nWe sent the opener\n")
    assert [(c.start, c.text) for c in cues] == [("", "Hello there"), ("", "We sent the opener")]


def test_keywords_are_the_telling_words_of_the_one_thing():
    words = keywords_from("Ask for next steps on every discovery call", "calls")
    assert words == ("next", "steps", "discovery")


def test_keywords_are_matched_as_whole_words_in_any_case_with_their_times():
    keywords = keywords_from("the trigger-event opener")
    matches = transcript_matches(VTT + "\n00:04:00.000 --> 00:04:01.000\nopeners\n", keywords)
    assert [(m.start, m.keywords) for m in matches] == [
        ("00:01:02", ("trigger-event", "opener")),
    ]


@pytest.mark.parametrize(
    ("detected", "expected"),
    [
        (["Trigger-event opener", "Opener", "Pricing"], ("partly", "2 of 3 calls")),
        (["Opener"], ("kept", "1 of 1 call showed")),
        (["Pricing", "Competitors"], ("missed", "0 of 2 calls")),
    ],
)
def test_the_suggestion_follows_the_share_of_calls_that_showed_it(active, detected, expected):
    calls = [CallEvidenceFactory(commitment=active, detected=d) for d in detected]
    suggestion = suggested_outcome(calls)
    assert suggestion.outcome == expected[0]
    assert expected[1] in suggestion.text


def test_without_calls_the_suggestion_is_perhaps_no_opportunity():
    suggestion = suggested_outcome([])
    assert suggestion.outcome == ""
    assert suggestion.text == "No calls in the window: perhaps no opportunity to try it."


def test_the_rep_page_shows_the_calls_and_a_suggestion_without_choosing_the_outcome(
    manager_client, active, rep_page
):
    CallEvidenceFactory(commitment=active, detected="Trigger-event opener")
    CallEvidenceFactory(commitment=active, detected="Pricing talk")

    page = manager_client.get(rep_page).content.decode()

    assert "the one thing detected" in page
    assert "not detected" in page
    assert "Suggested: partly kept (1 of 2 calls showed it)." in page
    # A suggestion in words: no outcome is chosen for the manager.
    assert re.search(r'<input[^>]*name="outcome"', page)
    assert not re.search(r'<input[^>]*name="outcome"[^>]*checked', page)


def test_with_no_calls_the_rep_page_suggests_perhaps_no_opportunity(
    manager_client, active, rep_page
):
    page = manager_client.get(rep_page).content.decode()
    assert "No calls in the window: perhaps no opportunity to try it." in page


def transcript_url(rep):
    return reverse("commitments:transcript_check", kwargs={"rep_id": rep.pk})


def test_checking_a_transcript_shows_the_matching_lines_escaped_and_saves_nothing(
    manager_client, rep, active
):
    pasted = VTT + "\n00:05:00.000 --> 00:05:02.000\n<script>alert(1)</script> opener\n"
    before = (Check.objects.count(), CoachingSession.objects.count())

    response = manager_client.post(
        transcript_url(rep), {"transcript-transcript": pasted}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    # The pasted text stays in the box; the matches follow it.
    body = response.content.decode().split('id="transcript-matches"')[1]
    assert "00:01:02" in body
    assert "I saw the TRIGGER-EVENT in your news: the Series B opener." in body
    assert "00:05:00" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; opener" in body
    assert "<script>alert(1)" not in response.content.decode()
    assert "Anything else?" not in body
    assert "Nothing was saved" in body
    assert (Check.objects.count(), CoachingSession.objects.count()) == before
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE


def test_an_empty_transcript_is_refused_with_a_message(manager_client, rep, active):
    response = manager_client.post(transcript_url(rep), {"transcript-transcript": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_only_the_reps_manager_checks_a_transcript(client, rep, active, rep_client):
    other = ManagerFactory(organisation=rep.organisation)
    client.force_login(other)
    assert client.post(transcript_url(rep), {"transcript-transcript": "opener"}).status_code == 404
    client.force_login(rep)
    assert client.post(transcript_url(rep), {"transcript-transcript": "opener"}).status_code == 404


def test_the_rep_page_shows_call_times(manager_client, active, rep_page):
    CallEvidenceFactory(
        commitment=active, called_at=dt.datetime(2026, 11, 26, 14, 5, tzinfo=dt.UTC)
    )
    assert "Thu 26 Nov" in manager_client.get(rep_page).content.decode()
