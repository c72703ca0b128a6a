from django.contrib import admin

from .models import (
    CallEvidence,
    Check,
    CheckCorrection,
    CoachingSession,
    Commitment,
    CommitmentDraft,
    CommitmentRevision,
    CommitmentSkip,
    DailyAnswer,
    DiagnosisChange,
    Drill,
    IndicatorEntry,
    PerformanceConversation,
    PracticeCorrection,
    PracticeLog,
    RepPulse,
    StandingRecheck,
)


class CheckInline(admin.StackedInline):
    model = Check
    extra = 0
    raw_id_fields = ["checked_by", "session"]


class CommitmentSkipInline(admin.TabularInline):
    model = CommitmentSkip
    extra = 0
    raw_id_fields = ["by"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["behaviour", "rep", "manager", "status", "issued_on", "check_date", "attempt"]
    list_filter = ["status", "proposed_by"]
    search_fields = ["behaviour", "rep__name", "rep__email"]
    list_select_related = ["rep", "manager"]
    raw_id_fields = [
        "rep",
        "manager",
        "proposed_by_user",
        "session",
        "reissue_of",
        "builds_on",
        "reinforces",
        "carries_on",
    ]
    date_hierarchy = "issued_on"
    inlines = [CheckInline, CommitmentSkipInline]


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["rep", "manager", "held_at"]
    search_fields = ["rep__name", "manager__name"]
    list_select_related = ["rep", "manager"]
    raw_id_fields = ["rep", "manager"]
    date_hierarchy = "held_at"


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ["commitment", "outcome", "diagnosis", "checked_on", "checked_by"]
    list_filter = ["outcome", "diagnosis"]
    list_select_related = ["commitment", "checked_by"]
    raw_id_fields = ["commitment", "session", "checked_by"]


@admin.register(PracticeLog)
class PracticeLogAdmin(admin.ModelAdmin):
    list_display = ["rep", "kind", "practiced_on", "count", "commitment"]
    list_filter = ["kind"]
    list_select_related = ["rep", "commitment"]
    raw_id_fields = ["rep", "commitment"]


@admin.register(CommitmentSkip)
class CommitmentSkipAdmin(admin.ModelAdmin):
    list_display = ["commitment", "skipped_check_date", "new_check_date", "reason", "by"]
    list_filter = ["reason"]
    list_select_related = ["commitment", "by"]
    raw_id_fields = ["commitment", "by"]


@admin.register(CallEvidence)
class CallEvidenceAdmin(admin.ModelAdmin):
    list_display = ["source_id", "organisation", "commitment", "called_at", "detected"]
    list_filter = ["organisation"]
    list_select_related = ["organisation", "commitment"]
    search_fields = ["source_id", "detected"]
    raw_id_fields = ["commitment"]


@admin.register(DiagnosisChange)
class DiagnosisChangeAdmin(admin.ModelAdmin):
    list_display = ["check_result", "before", "after", "by", "at"]
    list_select_related = ["check_result", "by"]
    raw_id_fields = ["check_result", "by"]


@admin.register(PerformanceConversation)
class PerformanceConversationAdmin(admin.ModelAdmin):
    """For support: that it happened, never the manager's private note."""

    list_display = ["rep", "manager", "held_on"]
    list_select_related = ["rep", "manager"]
    raw_id_fields = ["rep", "manager"]
    exclude = ["note"]


# --- guidance: the reps' drafts (weeks 9–12) and ramp answers, for support ---


@admin.register(CommitmentDraft)
class CommitmentDraftAdmin(admin.ModelAdmin):
    list_display = ["behaviour", "rep", "status", "check_date", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["rep", "decided_by"]
    raw_id_fields = ["rep", "decided_by", "commitment"]


@admin.register(DailyAnswer)
class DailyAnswerAdmin(admin.ModelAdmin):
    list_display = ["rep", "day", "did_it", "via", "ends_ramp", "answered_at"]
    list_filter = ["did_it", "via", "ends_ramp"]
    list_select_related = ["rep"]
    raw_id_fields = ["rep", "commitment"]


# --- practice plans, standing behaviours and recorded changes, for support ---
# Read-only records of what happened: changed through the pages, never here.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    list_display = ["prompt", "kind", "commitment", "planned_on", "done_at"]
    list_select_related = ["commitment"]
    raw_id_fields = ["commitment", "practice_log", "created_by"]


@admin.register(IndicatorEntry)
class IndicatorEntryAdmin(admin.ModelAdmin):
    list_display = ["rep", "day", "value", "commitment"]
    list_select_related = ["rep", "commitment"]
    raw_id_fields = ["rep", "commitment"]


@admin.register(StandingRecheck)
class StandingRecheckAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "due_on", "answered_on", "still_running", "by"]
    list_select_related = ["commitment", "by"]


@admin.register(CheckCorrection)
class CheckCorrectionAdmin(ReadOnlyAdmin):
    """That a check was corrected and why; the diagnoses stay with their author."""

    list_display = ["check_result", "old_outcome", "new_outcome", "by", "at"]
    list_select_related = ["check_result", "by"]
    exclude = ["old_diagnosis", "new_diagnosis"]


@admin.register(PracticeCorrection)
class PracticeCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["entry", "action", "by", "at"]
    list_select_related = ["by"]


@admin.register(CommitmentRevision)
class CommitmentRevisionAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "kind", "by", "at"]
    list_select_related = ["commitment", "by"]


@admin.register(RepPulse)
class RepPulseAdmin(ReadOnlyAdmin):
    """The reps' mid-week answers ("On it", "Need help", "No chance yet")."""

    list_display = ["commitment", "answer", "at"]
    list_select_related = ["commitment"]
