import datetime as dt
import uuid

from django import forms
from django.core.validators import MaxLengthValidator
from django.urls import reverse

from .models import (
    CHECK_WINDOW_DAYS,
    DIAGNOSIS_TREE,
    INDICATOR_VALUE_MAX,
    NEEDS_DIAGNOSIS,
    TREE_FIELDS,
    Check,
    Commitment,
    CommitmentSkip,
    Diagnosis,
    Drill,
    Fix,
    NextStep,
    PracticeLog,
    PulseAnswer,
    change_reason_problem,
    commitment_wording_problem,
    default_next_step,
    diagnose,
    diagnosis_problem,
    fix_problems,
    next_question,
    next_steps_after,
    vague_wording_hint,
)
from .services import CommitmentSpec, check_date_problem, indicator_problem
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
            "indicator_unit",
            "indicator_target",
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
            "indicator_unit": forms.TextInput(
                attrs={"placeholder": "e.g. discovery calls with 3+ questions"}
            ),
            "indicator_target": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
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
        # The wording hint, live as the one thing is typed (htmx; the same
        # hint is rendered with the form anyway).
        self.fields["behaviour"].widget.attrs.update(
            {
                "hx-get": reverse("commitments:wording_hint"),
                "hx-trigger": "input changed delay:600ms",
                "hx-target": f"#{self['behaviour'].auto_id}-hint",
                "hx-swap": "innerHTML",
            }
        )

    def clean_check_date(self):
        check_date = self.cleaned_data["check_date"]
        if check_date is None:
            return None
        # The service's own rule, asked early for a message next to the field.
        if problem := check_date_problem(check_date, today=self.today):
            raise forms.ValidationError(problem)
        return check_date

    # The rule book's "a count or a when", asked early for a message next to
    # the field (the weekly update asks it only for a new one thing).
    require_count_or_when = True

    def wording_problem(self) -> str:
        data = self.cleaned_data
        return commitment_wording_problem(
            behaviour=data.get("behaviour") or "",
            target_count=data.get("target_count"),
            target_days=data.get("target_days") or "",
            by_time=data.get("by_time"),
        )

    @property
    def wording_hint(self):
        """A concrete rewrite for vague wording (``vague_wording_hint``), or None."""
        return vague_wording_hint(self["behaviour"].value() or "")

    def clean(self):
        cleaned = super().clean()
        if self.require_count_or_when and (problem := self.wording_problem()):
            self.add_error("target_count", problem)
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
            indicator_unit=data.get("indicator_unit") or "",
            indicator_target=data.get("indicator_target"),
        )

    def clean_indicator_unit(self):
        return (self.cleaned_data.get("indicator_unit") or "").strip()

    def _post_clean(self):
        super()._post_clean()
        # The service's rule, asked early for a message next to the field.
        if "indicator_unit" in self.cleaned_data and "indicator_target" in self.cleaned_data:
            try:
                indicator_problem(
                    self.cleaned_data["indicator_unit"], self.cleaned_data["indicator_target"]
                )
            except forms.ValidationError as error:
                self._update_errors(error)


class ProposalForm(CommitmentForm):
    """The same one thing, in the rep's own words (self-coaching)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["why"].label = "Why it matters to you"
        self.fields["why"].widget.attrs["placeholder"] = "Tie it to your own goal."


# --- the diagnosis tree and its fix as form fields (issue 7) ---------------


class ValueRadioSelect(forms.RadioSelect):
    """Radios whose ids end in their value (``id_next_step_reissue``), not
    their position, and that carry per-option ``data-`` attributes: stable
    hooks for the keyboard script and for tests."""

    def __init__(self, *args, option_attrs: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_attrs = option_attrs or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if attrs and attrs.get("id") and value != "":
            option["attrs"]["id"] = f"{attrs['id']}_{value}"
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option


def _yes_no(name: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=DIAGNOSIS_TREE[name].text,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=ValueRadioSelect,
    )


class DiagnosisFields(forms.Form):
    """The seed's tree, one yes/no question each (the answers are kept), the
    diagnosis it leads to (or the manager's own pick), and the fix."""

    # The message when no diagnosis was given ('' for the rule book's).
    missing_diagnosis = ""

    attempted = _yes_no("attempted")
    buys_why = _yes_no("buys_why")
    understands_why = _yes_no("understands_why")
    has_time = _yes_no("has_time")
    can_do_in_drill = _yes_no("can_do_in_drill")
    diagnosis = forms.ChoiceField(
        label="What got in the way?",
        choices=Diagnosis.choices,
        required=False,
        widget=ValueRadioSelect,
        help_text="Private to you. The questions lead to it; you may also pick it. "
        "Most misses are system gaps, not will.",
    )
    fix_task = forms.CharField(
        label="System: the competing task to remove",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. the 9 a.m. stand-up"}),
    )
    fix_drills = forms.BooleanField(label="Skill: drills assigned", required=False)
    fix_shadowing_on = forms.DateField(
        label="Transfer: live shadowing session on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    fix_realtime_nudge = forms.BooleanField(
        label="Transfer: a real-time nudge during live calls", required=False
    )
    fix_note = forms.CharField(
        label="About the fix (optional)",
        max_length=300,
        required=False,
        help_text="Private to you, like the diagnosis.",
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # When each question is asked, from the tree itself.
        for question in DIAGNOSIS_TREE.values():
            for answer, target in (("yes", question.yes), ("no", question.no)):
                if target in DIAGNOSIS_TREE:
                    self.fields[
                        target
                    ].help_text = f"Asked when the answer to “{question.text}” is {answer}."

    @property
    def tree_fields(self) -> list:
        return [self[name] for name in TREE_FIELDS]

    def answers(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in TREE_FIELDS}

    def fix(self) -> Fix:
        data = self.cleaned_data
        return Fix(
            task=data.get("fix_task") or "",
            drills=bool(data.get("fix_drills")),
            note=data.get("fix_note") or "",
            shadowing_on=data.get("fix_shadowing_on"),
            realtime_nudge=bool(data.get("fix_realtime_nudge")),
            why=data.get("fix_why"),
            why_confirmed=bool(data.get("fix_why_confirmed")),
        )

    def _clean_diagnosis(self, outcome: str, *, old_why: str | None = None) -> None:
        """The rule book's diagnosis and fix rules, asked early for a message
        next to the field; the service enforces them again."""
        cleaned = self.cleaned_data
        diagnosis = cleaned.get("diagnosis") or diagnose(self.answers()) or ""
        if problem := diagnosis_problem(outcome, diagnosis):
            problem = self.missing_diagnosis or problem
            question = next_question(self.answers())
            if question is not None:
                problem += f" Next question: {question.text}"
            self.add_error("diagnosis", problem)
            return
        cleaned["diagnosis"] = diagnosis
        problems = fix_problems(
            diagnosis, self.fix().kept_for(diagnosis), today=self.today, old_why=old_why
        )
        for field, message in problems.items():
            if field in self.fields:
                self.add_error(field, message)


class DiagnosisForm(DiagnosisFields):
    """Complete last week's "not sure yet" diagnosis, on the rep page."""

    prefix = "diagnose"
    missing_diagnosis = "Pick what got in the way, or answer the questions to the end."

    check_id = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["diagnosis"].choices = [
            (value, label) for value, label in Diagnosis.choices if value != Diagnosis.UNSURE
        ]

    def clean(self):
        cleaned = super().clean()
        # Any miss will do: the rules are the same for missed and partly kept.
        self._clean_diagnosis(Check.Outcome.MISSED)
        return cleaned


class PerformanceConversationForm(forms.Form):
    """Record the frank conversation beyond coaching calls for."""

    prefix = "performance"

    held_on = forms.DateField(
        label="Held on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Pick the day you had the conversation."},
    )
    note = forms.CharField(
        label="Note (private to you)",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The next steps that set a next commitment (and so need its check date).
STEPS_WITH_NEXT = (
    NextStep.REISSUE,
    NextStep.LAYER,
    NextStep.NEW,
    NextStep.REINFORCE,
    NextStep.CARRY_ON,
)


class WeeklyUpdateForm(DiagnosisFields):
    """ "How did the one thing go?" and what's next, in one go."""

    OUT_OF_DATE = (
        "This form is out of date: the commitment it was about is not this rep's "
        "one thing any more. Reload the page to see the current one."
    )

    commitment_id = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE}
    )
    outcome = forms.ChoiceField(label="Outcome", choices=Check.Outcome, widget=ValueRadioSelect)
    evidence = forms.CharField(
        max_length=NOTE_MAX,
        label="What did the rep show you?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="An email, a call, a number: evidence, not memory.",
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
    next_step = forms.ChoiceField(
        label="What's next?",
        choices=NextStep,
        required=False,
        widget=ValueRadioSelect,
        help_text="Left blank, the usual next step for the outcome is taken.",
    )
    # Will or knowledge, re-issued: the why re-sold.
    fix_why = forms.CharField(
        label="Will or knowledge: the why, re-sold",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The re-issued one thing carries this why. Tie it to the rep's own goal.",
    )
    fix_why_confirmed = forms.BooleanField(
        label="Keep this why: we went through it again and it holds", required=False
    )
    change_reason = forms.CharField(
        label="Why a different one thing, not the same again?",
        max_length=300,
        required=False,
        help_text="Needed after a miss or partly kept. The rep sees it in the history.",
    )
    # Weeks 9–12: the next one thing is filled in from the rep's draft.
    from_draft = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        today: dt.date,
        default_check_date: dt.date,
        window_days: int = CHECK_WINDOW_DAYS,
        horizon_week: int | None = None,
        current_why: str | None = None,
        next_initial: dict | None = None,
        **kwargs,
    ):
        super().__init__(*args, today=today, **kwargs)
        # The next step each outcome pre-selects (the rule book's default for
        # the rep's week on the 30/60/90 horizon), and the ones it allows.
        self.defaults = {
            outcome: default_next_step(outcome, horizon_week) for outcome in Check.Outcome.values
        }
        self.fields["next_step"].widget.option_attrs = {
            step: {
                "data-after": " ".join(
                    o for o in Check.Outcome.values if step in next_steps_after(o)
                ),
                "data-default-for": " ".join(o for o, d in self.defaults.items() if d == step),
            }
            for step in NextStep.values
        }
        self.current_why = current_why
        if self.is_bound:
            outcome = self.data.get("outcome")
            if outcome in self.defaults and not self.data.get("next_step"):
                # No choice made: the default for the outcome, shown if re-rendered.
                self.data = self.data.copy()
                self.data["next_step"] = self.defaults[outcome]
        data = self.data if self.is_bound else None
        self.next_form = CommitmentForm(
            data,
            prefix="next",
            today=today,
            suggested=default_check_date,
            window_days=window_days,
            # ``next_initial``: a proven one thing picked from the library.
            initial={"check_date": default_check_date, **(next_initial or {})},
        )
        # Re-issue and "none" don't need a new behaviour, only (for re-issue) a date.
        self.next_form.require_count_or_when = False
        for name, field in self.next_form.fields.items():
            if name != "confirm_far_check":
                field.required = False

    def clean(self):
        cleaned = super().clean()
        outcome, step = cleaned.get("outcome"), cleaned.get("next_step")
        # The rule book's next steps, asked early for a friendly message.
        if outcome and step and step not in next_steps_after(outcome):
            if outcome == Check.Outcome.NO_OPP:
                message = (
                    "No opportunity this week: the same one thing carries on, "
                    "with a new check date."
                )
            elif step == NextStep.CARRY_ON:
                message = "Carrying on is for a week with no opportunity to try it."
            elif step == NextStep.REINFORCE:
                message = (
                    "Only a kept commitment is reinforced. Re-issue the same one thing, "
                    "or choose a different one."
                )
            elif outcome == Check.Outcome.KEPT:
                message = (
                    "It was kept: it is a standing behaviour now. Layer the next one thing instead."
                )
            else:
                message = (
                    "Only a kept commitment becomes a standing behaviour to layer on. "
                    "Re-issue the same one thing, or choose a different one."
                )
            self.add_error("next_step", message)
        if outcome in NEEDS_DIAGNOSIS:
            old_why = self.current_why if step == NextStep.REISSUE else None
            self._clean_diagnosis(outcome, old_why=old_why)
            reason = cleaned.get("change_reason") or ""
            if problem := change_reason_problem(outcome, step or "", reason):
                self.add_error("change_reason", problem)
        else:
            cleaned["diagnosis"] = ""
        if step in STEPS_WITH_NEXT:
            self._validate_next(step)
        return cleaned

    def _validate_next(self, step: str) -> None:
        form = self.next_form
        if not form.is_valid():
            return
        if not form.cleaned_data.get("check_date"):
            form.add_error("check_date", "Pick the date of the next 1:1.")
        if step in (NextStep.LAYER, NextStep.NEW) and not form.cleaned_data.get("behaviour"):
            form.add_error("behaviour", "Write the next one thing, or choose another option.")
        if step != NextStep.REISSUE and (problem := form.wording_problem()):
            form.add_error("target_count", problem)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        step = self.cleaned_data.get("next_step") if hasattr(self, "cleaned_data") else None
        if step in STEPS_WITH_NEXT:
            return valid and self.next_form.is_valid()
        return valid

    def next_spec(self) -> CommitmentSpec | None:
        if self.cleaned_data["next_step"] not in STEPS_WITH_NEXT:
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
            indicator_unit=data.get("indicator_unit") or "",
            indicator_target=data.get("indicator_target"),
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


# --- practice plan (drills) and leading indicators --------------------------


class DrillForm(forms.ModelForm):
    """A drill or role-play for the active commitment. Prefixed: it sits on
    the rep page beside the weekly update's form."""

    prefix = "drill"

    class Meta:
        model = Drill
        fields = ["kind", "prompt", "talk_track", "model_answer", "planned_on"]
        labels = {"kind": "Drill or role-play", "planned_on": "Planned for"}
        widgets = {
            "kind": forms.RadioSelect,
            "prompt": forms.TextInput(
                attrs={"placeholder": "e.g. The prospect says: “Just send me some information.”"}
            ),
            "talk_track": forms.Textarea(
                attrs={"rows": 2, "placeholder": "The moves: acknowledge, ask why now, offer"}
            ),
            "model_answer": forms.Textarea(
                attrs={"rows": 2, "placeholder": "What a good answer sounds like, word for word"}
            ),
            "planned_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {"prompt": {"required": "Write the prompt the rep practises."}}

    def __init__(self, *args, commitment: Commitment, planned_default: dt.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("planned_on", planned_default)
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        self.fields["planned_on"].required = False
        self.fields["planned_on"].help_text = (
            f"Between {commitment.issued_on:%a %-d %b} and the check on "
            f"{commitment.check_date:%a %-d %b}; spread across the week."
        )

    def clean_planned_on(self):
        day = self.cleaned_data.get("planned_on")
        c = self.commitment
        if day is not None and not c.issued_on <= day <= c.check_date:
            raise forms.ValidationError(
                f"Pick a day between {c.issued_on:%a %-d %b} and the check on "
                f"{c.check_date:%a %-d %b}."
            )
        return day

    def _post_clean(self):
        # The drill is made by the service (``drill_add``), not from the form.
        pass


class IndicatorForm(forms.ModelForm):
    """Name or change the active commitment's leading indicator. Prefixed."""

    prefix = "indicator"

    class Meta:
        model = Commitment
        fields = ["indicator_unit", "indicator_target"]
        widgets = CommitmentForm.Meta.widgets

    def clean_indicator_unit(self):
        return (self.cleaned_data.get("indicator_unit") or "").strip()

    def clean(self):
        cleaned = super().clean()
        if "indicator_unit" in cleaned and "indicator_target" in cleaned:
            try:
                indicator_problem(cleaned["indicator_unit"], cleaned["indicator_target"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def _post_clean(self):
        # Saved by the service (``commitment_set_indicator``), not the form.
        pass


class IndicatorLogForm(forms.Form):
    """A value of the leading indicator, for today (or another day this week)."""

    value = forms.IntegerField(
        label="How many?",
        min_value=0,
        max_value=INDICATOR_VALUE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Type a number, 0 is fine."},
    )
    day = forms.DateField(
        label="For",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # One tap, one entry: a fresh key each time the form is shown.
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, today: dt.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("day", today)
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > self.today:
            raise forms.ValidationError("Log it once it has happened, not ahead of time.")
        return day


# --- guidance: ramp mode's daily answer --------------------------------------


class DailyAnswerForm(forms.Form):
    """Ramp mode: "Did you do the one thing today?" in one tap."""

    ANSWERS = [("yes", "Yes, I did it"), ("no", "Not today")]

    answer = forms.ChoiceField(
        choices=ANSWERS, error_messages={"required": "Answer yes or not today."}
    )

    @property
    def did_it(self) -> bool:
        return self.cleaned_data["answer"] == "yes"


# --- standing behaviours, re-checks, corrections, revisions ----------------


class RecheckForm(forms.Form):
    """ "Still running …?" for one standing behaviour. Prefixed: it sits
    above the weekly update's form."""

    prefix = "recheck"

    commitment_id = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": WeeklyUpdateForm.OUT_OF_DATE,
            "invalid": WeeklyUpdateForm.OUT_OF_DATE,
        },
    )
    # The re-check the manager saw: a double-click answers it once.
    due_on = forms.DateField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(
        label="Still running?",
        choices=[("yes", "Yes, still running"), ("no", "No, it slipped")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it is still running."},
    )


class RecheckReissueForm(forms.Form):
    prefix = "reissue"

    recheck_id = forms.IntegerField(widget=forms.HiddenInput)


class CheckCorrectionForm(forms.Form):
    """Correct the outcome (and evidence, diagnosis) of a check just recorded."""

    prefix = "correct"

    check_id = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="The outcome should be", choices=Check.Outcome, widget=forms.RadioSelect
    )
    # Labels of their own: the weekly update's form is on the same page.
    evidence = forms.CharField(
        max_length=NOTE_MAX,
        label="Corrected evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    diagnosis = forms.ChoiceField(
        label="Corrected diagnosis (if it wasn't kept)",
        choices=[("", "Not diagnosed yet"), *Check.Diagnosis.choices],
        required=False,
        help_text="Private to you.",
    )
    reason = forms.CharField(
        max_length=300,
        label="What was mistyped?",
        help_text="The rep sees this with the correction.",
        error_messages={"required": "Say what was mistyped: both of you see it."},
    )


class PracticeCorrectionForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=PracticeLog.Kind)
    practiced_on = forms.DateField(label="When")
    count = forms.IntegerField(label="How many (optional)", required=False, min_value=1)
    note = forms.CharField(label="Note", required=False, max_length=300)


class CommitmentEditForm(forms.Form):
    """Clarify the active commitment's wording; asking less is a new version,
    saved only when confirmed."""

    prefix = "edit"

    # Labels of their own: the next commitment's fields are on the same page.

    commitment_id = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": WeeklyUpdateForm.OUT_OF_DATE,
            "invalid": WeeklyUpdateForm.OUT_OF_DATE,
        },
    )
    behaviour = forms.CharField(
        label="Wording",
        max_length=300,
        error_messages={"required": "Write the one thing the rep will do."},
    )
    target_count = forms.IntegerField(
        label="Count",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    target_unit = forms.CharField(label="Unit", max_length=60, required=False)
    target_days = forms.CharField(label="Days", max_length=60, required=False)
    by_time = forms.TimeField(
        label="Done by",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    why = forms.CharField(
        label="The why",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_new_version = forms.BooleanField(
        required=False,
        label="Yes, save it as a new version: the rep sees what changed",
    )

    @classmethod
    def for_commitment(cls, commitment: Commitment) -> "CommitmentEditForm":
        return cls(
            initial={
                "commitment_id": commitment.pk,
                "behaviour": commitment.behaviour,
                "target_count": commitment.target_count,
                "target_unit": commitment.target_unit,
                "target_days": commitment.target_days,
                "by_time": commitment.by_time,
                "why": commitment.why,
            }
        )

    def revision(self) -> dict:
        data = self.cleaned_data
        return {
            "behaviour": data["behaviour"],
            "target_count": data["target_count"],
            "target_unit": data["target_unit"],
            "target_days": data["target_days"],
            "by_time": data["by_time"],
            "why": data["why"],
            "confirm_new_version": data["confirm_new_version"],
        }


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
