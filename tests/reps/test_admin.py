"""The Django admin, used for support: every model's pages open for a superuser."""

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
    }

    assert ours <= set(admin.site._registry)
