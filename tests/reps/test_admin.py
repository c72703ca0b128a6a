"""The Django admin, used for support: every model's pages open for a superuser."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from reminders.services import reminder_schedule_for_rep
from reps.models import User
from tests.factories import (
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    PracticeLogFactory,
)

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def support(client):
    superuser = User.objects.create_superuser("support@example.com", "pw", name="Support")
    client.force_login(superuser)
    active = CommitmentFactory()
    CheckFactory(commitment=CommitmentFactory(rep=active.rep, status="missed"))
    CoachingSessionFactory(rep=active.rep)
    PracticeLogFactory(commitment=active)
    reminder_schedule_for_rep(rep_id=active.rep_id)
    return client


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_every_admin_page_of_every_model_opens(support, model):
    info = (model._meta.app_label, model._meta.model_name)
    model_admin = admin.site._registry[model]

    changelist = reverse("admin:{}_{}_changelist".format(*info))
    assert support.get(changelist).status_code == 200
    if model_admin.search_fields:
        assert support.get(changelist, {"q": "example"}).status_code == 200
    # Some ledgers are read-only in the admin: then "add" is refused, not broken.
    assert support.get(reverse("admin:{}_{}_add".format(*info))).status_code in (200, 403)
    instance = model._default_manager.first()
    if instance is not None:
        change = reverse("admin:{}_{}_change".format(*info), args=[instance.pk])
        assert support.get(change).status_code == 200


def test_every_model_of_the_app_is_in_the_admin():
    from django.apps import apps

    ours = {
        m
        for app in ("reps", "commitments", "reminders")
        for m in apps.get_app_config(app).get_models()
        # A proxy (commitments.Rep) is a view of a model that is registered.
        if not m._meta.proxy
    }

    assert ours <= set(admin.site._registry)


def test_moving_a_rep_to_another_manager_in_the_admin_hands_over_the_one_thing_and_its_prompt(
    client,
):
    from commitments.models import Commitment
    from reminders.models import Reminder
    from tests.factories import CommitmentFactory, ManagerFactory, RepFactory

    rep = RepFactory(timezone="Europe/London")
    active = CommitmentFactory(rep=rep, check_date=dt.date(2026, 12, 8))
    reminder_schedule_for_rep(rep_id=rep.pk)
    new_manager = ManagerFactory(organisation=rep.organisation)
    staff = User.objects.create_superuser("support@example.com", "pw-support-123", name="Sup")
    client.force_login(staff)
    url = reverse("admin:reps_user_change", args=[rep.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        manager=new_manager.pk,
        organisation=rep.organisation_id,
        start_date="2026-01-05",
        one_on_one_time="10:00",
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="09:00",
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    active.refresh_from_db()
    assert active.manager == new_manager
    prompts = Reminder.objects.filter(kind="prompt", commitment=active, status="pending")
    assert [p.recipient for p in prompts] == [new_manager]
    assert Commitment.objects.filter(manager=new_manager, status="active").count() == 1
