import datetime as dt
import uuid

from django import forms
from django.core.validators import MaxLengthValidator

from .models import (
    CHECK_WINDOW_DAYS,
    Check,
    Commitment,
    CommitmentSkip,
    NextStep,
    PracticeLog,
    PulseAnswer,
    next_steps_after,
)
from .services import CommitmentSpec, check_date_problem
from .transcripts import MAX_TRANSCRIPT_CHARS

NOTE_MAX = 5000


class CommitmentForm(forms.ModelForm):
    """The one thing: what, how much, when, why, and the check date."""

    confirm_far_check = forms.BooleanField(
        required=False, label="Yes, check it then, even though it is more than a week away"
    )

    class Meta:
        model = Commitment
        fields = [
            "behaviour",
            "target_count",
            "target_unit",
            "target_days",
            "by_time",
            "why",
            "check_date",
        ]
        widgets = {
            "behaviour": forms.TextInput(
                attrs={"placeholder": "e.g. Send 10 trigger-event emails before 10 a.m."}
            ),
            "target_count": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "target_unit": forms.TextInput(attrs={"placeholder": "emails"}),
            "target_days": forms.TextInput(attrs={"placeholder": "Monday to Thursday"}),
            "by_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "why": forms.Textarea(
                attrs={"rows": 2, "placeholder": "Tie it to the rep's own goal."}
            ),
            "check_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"check_date": "Check date (your next 1:1)"}
        error_messages = {
            "behaviour": {"required": "Write the one thing the rep will do."},
            "check_date": {"required": "Pick the date of the next 1:1."},
        }

    def __init__(
        self,
        *args,
        today: dt.date,
        suggested: dt.date | None = None,
        window_days: int = CHECK_WINDOW_DAYS,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.today = today
        # ``check_window_days``: a week, two for a fortnightly rep.
        self.window_days = window_days
        if window_days != CHECK_WINDOW_DAYS:
            self.fields[
                "confirm_far_check"
            ].label = f"Yes, check it then, even though it is more than {window_days} days away"
        # The suggested date (the first 1:1 that leaves a real week) is never "far".
        self.suggested = suggested
        self.far_warning = ""
        self.fields["why"].max_length = NOTE_MAX
        self.fields["why"].validators.append(MaxLengthValidator(NOTE_MAX))
        self.fields["why"].widget.attrs["maxlength"] = NOTE_MAX

    def clean_check_date(self):
        check_date = self.cleaned_data["check_date"]
        if check_date is None:
            return None
        # The service's own rule, asked early for a message next to the field.
        if problem := check_date_problem(check_date, today=self.today):
            raise forms.ValidationError(problem)
        return check_date

    def clean(self):
        cleaned = super().clean()
        check_date = cleaned.get("check_date")
        if (
            check_date
            and (check_date - self.today).days > self.window_days
            and (self.suggested is None or check_date > self.suggested)
        ):
            days = (check_date - self.today).days
            self.far_warning = (
                f"That is {days} days away. Behaviour slips fast: a check within "
                f"{self.window_days} days works best."
            )
            if not cleaned.get("confirm_far_check"):
                self.add_error(
                    "check_date",
                    self.far_warning + " Tick the box below to keep this date.",
                )
        return cleaned

    def spec(self) -> CommitmentSpec:
        data = self.cleaned_data
        return CommitmentSpec(
            behaviour=data["behaviour"],
            check_date=data["check_date"],
            why=data["why"],
            target_count=data["target_count"],
            target_unit=data["target_unit"],
            target_days=data["target_days"],
            by_time=data["by_time"],
        )


class ProposalForm(CommitmentForm):
    """The same one thing, in the rep's own words (self-coaching)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["why"].label = "Why it matters to you"
        self.fields["why"].widget.attrs["placeholder"] = "Tie it to your own goal."


class WeeklyUpdateForm(forms.Form):
    """ "How did the one thing go?" and what's next, in one go."""

    OUT_OF_DATE = (
        "This form is out of date: the commitment it was about is not this rep's "
        "one thing any more. Reload the page to see the current one."
    )

    commitment_id = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE}
    )
    outcome = forms.ChoiceField(label="Outcome", choices=Check.Outcome, widget=forms.RadioSelect)
    evidence = forms.CharField(
        max_length=NOTE_MAX,
        label="What did the rep show you?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="An email, a call, a number: evidence, not memory.",
    )
    diagnosis = forms.ChoiceField(
        label="If it wasn't kept, what got in the way?",
        choices=[("", "Not diagnosed yet"), *Check.Diagnosis.choices],
        required=False,
        help_text="Private to you. Most misses are system gaps, not will.",
    )
    shared_notes = forms.CharField(
        max_length=NOTE_MAX,
        label="Notes for you both",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The rep sees these.",
    )
    private_notes = forms.CharField(
        max_length=NOTE_MAX,
        label="Private notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you see these.",
    )
    next_step = forms.ChoiceField(label="What's next?", choices=NextStep, widget=forms.RadioSelect)

    def __init__(
        self,
        *args,
        today: dt.date,
        default_check_date: dt.date,
        window_days: int = CHECK_WINDOW_DAYS,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        self.next_form = CommitmentForm(
            data,
            prefix="next",
            today=today,
            suggested=default_check_date,
            window_days=window_days,
            initial={"check_date": default_check_date},
        )
        # Re-issue and "none" don't need a new behaviour, only (for re-issue) a date.
        for name, field in self.next_form.fields.items():
            if name != "confirm_far_check":
                field.required = False

    def clean(self):
        cleaned = super().clean()
        outcome, step = cleaned.get("outcome"), cleaned.get("next_step")
        # The rule book's next steps, asked early for a friendly message.
        if outcome and step and step not in next_steps_after(outcome):
            if outcome == Check.Outcome.KEPT:
                message = (
                    "It was kept: it is a standing behaviour now. Layer the next one thing instead."
                )
            else:
                message = (
                    "Only a kept commitment becomes a standing behaviour to layer on. "
                    "Re-issue the same one thing, or choose a different one."
                )
            self.add_error("next_step", message)
        if outcome == Check.Outcome.KEPT:
            cleaned["diagnosis"] = ""
        if step in (NextStep.REISSUE, NextStep.LAYER, NextStep.NEW):
            self._validate_next(step)
        return cleaned

    def _validate_next(self, step: str) -> None:
        form = self.next_form
        if not form.is_valid():
            return
        if not form.cleaned_data.get("check_date"):
            form.add_error("check_date", "Pick the date of the next 1:1.")
        if step != NextStep.REISSUE and not form.cleaned_data.get("behaviour"):
            form.add_error("behaviour", "Write the next one thing, or choose another option.")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        step = self.cleaned_data.get("next_step") if hasattr(self, "cleaned_data") else None
        if step in (NextStep.REISSUE, NextStep.LAYER, NextStep.NEW):
            return valid and self.next_form.is_valid()
        return valid

    def next_spec(self) -> CommitmentSpec | None:
        if self.cleaned_data["next_step"] == NextStep.NONE:
            return None
        data = self.next_form.cleaned_data
        return CommitmentSpec(
            behaviour=data.get("behaviour") or "",
            check_date=data["check_date"],
            why=data.get("why") or "",
            target_count=data.get("target_count"),
            target_unit=data.get("target_unit") or "",
            target_days=data.get("target_days") or "",
            by_time=data.get("by_time"),
        )


class SkipWeekForm(forms.Form):
    """Skip the 1:1 at which the active commitment is checked. Prefixed: it
    sits on the rep page beside the weekly update's form."""

    prefix = "skip"

    commitment_id = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": WeeklyUpdateForm.OUT_OF_DATE,
            "invalid": WeeklyUpdateForm.OUT_OF_DATE,
        },
    )
    # The 1:1 the manager saw: a double-click skips it once, not two weeks.
    check_date = forms.DateField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label="Why is the 1:1 skipped?",
        choices=CommitmentSkip.Reason,
        widget=forms.RadioSelect,
        error_messages={"required": "Say why the 1:1 is skipped."},
    )


class PracticeForm(forms.ModelForm):
    # One tap, one entry: a fresh key each time the form is shown.
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    class Meta:
        model = PracticeLog
        fields = ["kind", "practiced_on", "count", "note"]
        labels = {"practiced_on": "When", "count": "How many (optional)", "note": "Note"}
        widgets = {
            "practiced_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "count": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "note": forms.TextInput(attrs={"placeholder": "What went well, what didn't"}),
        }

    def __init__(self, *args, today: dt.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("practiced_on", today)
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_practiced_on(self):
        day = self.cleaned_data["practiced_on"]
        if day > self.today:
            raise forms.ValidationError("Log practice once it has happened, not ahead of time.")
        return day


class TranscriptForm(forms.Form):
    """A call transcript pasted to look for the one thing: checked, never saved."""

    prefix = "transcript"

    transcript = forms.CharField(
        label="Check a call transcript",
        max_length=MAX_TRANSCRIPT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "WEBVTT or plain text"}),
        help_text="Paste a transcript (WebVTT or plain text): the lines naming the one thing "
        "are shown with their times. Nothing is saved.",
    )


# --- the rep's side: "Deal?" and the mid-week pulse ----------------------------


class AcceptForm(forms.Form):
    commitment_id = forms.IntegerField(widget=forms.HiddenInput)


class PulseForm(forms.Form):
    commitment_id = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(
        label="How is the one thing going?",
        choices=PulseAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how it is going.",
            "invalid_choice": "Choose how it is going.",
        },
    )


class PulseLinkForm(forms.Form):
    """The page a signed link opens: the answer chosen, one button."""

    answer = PulseForm.base_fields["answer"]
