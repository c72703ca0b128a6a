from django.contrib import admin

from .models import EmailPreference, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "kind",
        "recipient",
        "status",
        "scheduled_at",
        "due_at",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["key", "recipient__email", "recipient__name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "rep", "commitment"]
    readonly_fields = ["created_at", "claimed_at", "claimed_by", "sent_at", "last_error"]
    date_hierarchy = "scheduled_at"


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "mode", "paused_until", "updated_at"]
    list_filter = ["kind", "mode"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
