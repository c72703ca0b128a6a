from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.forms.utils import flatatt
from django.utils.html import format_html

from .models import User, validate_no_control_characters, validate_timezone
from .services import PASSWORD_RESET, invite_address_problem, person_email_request
from .timezones import TIMEZONE_CHOICES, timezone_datalist_options, timezone_options


class TimeZoneSelect(forms.Select):
    """A <select> of the canonical zones whose options are rendered once per
    process, not through a template per option on every page view."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=TIMEZONE_CHOICES)

    def render(self, name, value, attrs=None, renderer=None):
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        value = self.format_value(value)
        return format_html(
            "<select{}>{}</select>", flatatt(final), timezone_options(value[0] if value else None)
        )


class TimeZoneField(forms.CharField):
    """A time zone from the one canonical list (``reps.timezones``)."""

    widget = TimeZoneSelect
    default_validators = [validate_timezone]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {}  # no maxlength on a <select>


class InviteForm(forms.Form):
    # Shown (templates/reps/invite.html, .rep-only) and used only for a rep.
    REP_ONLY_FIELDS = ("manager", "start_date", "one_on_one_weekday", "one_on_one_time")

    name = forms.CharField(max_length=120, validators=[validate_no_control_characters])
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(
        choices=[(User.Role.REP, "Rep"), (User.Role.MANAGER, "Manager")],
        initial=User.Role.REP,
        widget=forms.RadioSelect,
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Coached by",
        help_text="The manager who coaches this rep.",
    )
    timezone = TimeZoneField(label="Time zone", initial="Europe/London")
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="First day in the role: the first two weeks get a daily check.",
    )
    one_on_one_weekday = forms.TypedChoiceField(
        label="1:1 weekday", choices=User.Weekday, coerce=int, initial=User.Weekday.TUESDAY
    )
    one_on_one_time = forms.TimeField(
        label="1:1 time", initial="10:00", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        if inviter.is_manager:
            # Managers invite reps to their own team.
            del self.fields["role"]
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = User.objects.managers_visible_to(inviter)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        # Only the inviter's own organisation: an address with an account
        # elsewhere gets the same answer as a fresh one (see person_invite).
        if problem := invite_address_problem(email, by=self.inviter):
            raise forms.ValidationError(problem)
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == User.Role.MANAGER:
            # Hidden for a manager: neither their values nor their errors count.
            for name in self.REP_ONLY_FIELDS:
                self._errors.pop(name, None)
                cleaned[name] = None
        if (
            self.inviter.is_org_admin
            and cleaned.get("role") == User.Role.REP
            and not cleaned.get("manager")
        ):
            self.add_error("manager", "Choose the manager who will coach this rep.")
        return cleaned

    def rep_only_values(self) -> dict:
        """The rep-only values that were given, for ``person_invite``."""
        data = self.cleaned_data
        return {n: data[n] for n in self.REP_ONLY_FIELDS if data.get(n) is not None}


class RepSettingsForm(forms.ModelForm):
    """What a manager can change about a rep: the 1:1 cadence and ramp mode."""

    class Meta:
        model = User
        fields = [
            "one_on_one_weekday",
            "one_on_one_time",
            "one_on_one_every_weeks",
            "timezone",
            "ramp",
            "start_date",
        ]
        widgets = {
            "one_on_one_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        field_classes = {"timezone": TimeZoneField}


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also reaches people who never set a password: an expired invitation
    is not a dead end, they can ask for a fresh link themselves."""

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)

    def save(self, *args, **kwargs) -> None:
        """Record a reset email for the worker to send (and retry), instead of
        sending it inside the request: a slow or down mail server neither holds
        a web worker nor loses the link."""
        for person in self.get_users(self.cleaned_data["email"]):
            person_email_request(kind=PASSWORD_RESET, person=person)


class SignupForm(forms.Form):
    """A company signs up: its name, its first org admin and their password."""

    organisation = forms.CharField(
        label="Organisation name", max_length=120, validators=[validate_no_control_characters]
    )
    name = forms.CharField(
        label="Your name", max_length=120, validators=[validate_no_control_characters]
    )
    email = forms.EmailField(label="Work email address")
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    timezone = TimeZoneField(label="Your time zone", initial="Europe/London")

    def clean_email(self):
        # Whether the address has an account is not checked here: the answer
        # must not tell (see reps.signup.organisation_sign_up).
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class RepMoveForm(forms.Form):
    manager = forms.ModelChoiceField(queryset=User.objects.none(), label="Move to")

    def __init__(self, *args, admin: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.managers_visible_to(admin)


class TimeZoneSearchInput(forms.TextInput):
    """A text input with a <datalist> of the canonical zones: type "Lon",
    "Kolk" or "New Y" and the browser offers the matches. Validation is the
    field's: only a zone on the list is accepted."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "list": f"{name}-zones", "autocomplete": "off"}
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            f"{name}-zones",
            timezone_datalist_options(),
        )


class AccountForm(forms.Form):
    name = forms.CharField(max_length=120, validators=[validate_no_control_characters])
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=TimeZoneSearchInput,
        help_text="Start typing a city or region, e.g. Europe/London or America/New York.",
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name.")
        return name

    def clean_timezone(self):
        # People type spaces where the zone names have underscores.
        value = self.cleaned_data["timezone"].strip().replace(" ", "_")
        validate_timezone(value)
        return value


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        validators=[validate_no_control_characters],
        help_text="What uses it, e.g. “Gong”.",
    )
