"""Names end up in plain-text emails and digests: no control characters in any of them."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from reps.models import Organisation, User
from tests.factories import ManagerFactory, OrganisationFactory, RepFactory

pytestmark = pytest.mark.django_db

FORGED = [
    "Ivy\r\nBcc: everyone@example.com",
    "Ivy\nKept: 10/10",
    "Ivy\tInvited",
    "Ivy\x00",
    "Ivy\x85Next",  # NEL, a C1 control
    "Ivy\u2028Kept",  # line separator
    "Ivy\u202eevil",  # right-to-left override
]


@pytest.mark.parametrize("name", FORGED)
def test_a_person_or_organisation_name_with_control_characters_is_invalid(name):
    person = RepFactory.build(name=name)
    organisation = OrganisationFactory.build(name=name)

    with pytest.raises(ValidationError) as person_error:
        person.full_clean(exclude=["password", "organisation", "manager"])
    with pytest.raises(ValidationError) as organisation_error:
        organisation.full_clean()

    assert "name" in person_error.value.message_dict
    assert "name" in organisation_error.value.message_dict


@pytest.mark.parametrize("name", ["Zoë O’Brien-Łukasz", "山田 太郎", "Ana María", "مريم"])
def test_ordinary_names_in_any_script_are_fine(name):
    RepFactory.build(name=name).full_clean(exclude=["password", "organisation", "manager"])
    OrganisationFactory.build(name=name).full_clean()


def test_the_invitation_form_refuses_a_name_with_a_line_break_next_to_the_field(client):
    manager = ManagerFactory()
    client.force_login(manager)

    response = client.post(
        reverse("reps:invite"),
        {
            "name": "Ivy\r\nBcc: everyone@example.com",
            "email": "ivy@example.com",
            "timezone": "Europe/London",
            "one_on_one_weekday": "1",
            "one_on_one_time": "10:00",
        },
    )

    assert response.status_code == 422
    assert 'id="id_name_error">Names can&#x27;t contain line breaks, tabs or other' in (
        response.text
    )
    assert not User.objects.filter(email="ivy@example.com").exists()
    assert mail.outbox == []


@pytest.fixture
def support(client):
    superuser = User.objects.create_superuser("support@example.com", "pw", name="Support")
    client.force_login(superuser)
    return client


def test_the_admin_refuses_a_person_name_with_a_line_break(support):
    rep = RepFactory(name="Rita Rep")
    change = reverse("admin:reps_user_change", args=[rep.pk])
    page = support.get(change)
    data = {
        field.html_name: field.value() if field.value() is not None else ""
        for field in page.context["adminform"].form
        if field.name not in {"password", "groups", "last_login", "date_joined"}
    }
    data.update(
        name="Rita\nKept: 10/10",
        one_on_one_time="10:00",
        start_date="2026-01-05",
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="09:00",
    )
    data = {k: v for k, v in data.items() if v is not False}

    response = support.post(change, data)

    assert response.status_code == 200
    assert "Names can&#x27;t contain line breaks" in response.text
    rep.refresh_from_db()
    assert rep.name == "Rita Rep"


def test_the_admin_refuses_an_organisation_name_with_a_line_break(support):
    response = support.post(reverse("admin:reps_organisation_add"), {"name": "Acme\r\nInc"})

    assert response.status_code == 200
    assert "Names can&#x27;t contain line breaks" in response.text
    assert not Organisation.objects.exists()
