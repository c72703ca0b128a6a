from django.contrib import admin

from .models import EmailPreference, OrganisationWebhook, Reminder, SlackWebhook


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "kind",
        "channel",
        "recipient",
        "status",
        "scheduled_at",
        "due_at",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["key", "recipient__email", "recipient__name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "rep", "commitment"]
    readonly_fields = ["created_at", "claimed_at", "claimed_by", "sent_at", "last_error"]
    date_hierarchy = "scheduled_at"


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "mode", "channel", "paused_until", "updated_at"]
    list_filter = ["kind", "mode", "channel"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(OrganisationWebhook)
class OrganisationWebhookAdmin(admin.ModelAdmin):
    """For support: where an organisation's events go. The secret is never shown."""

    list_display = ["organisation", "url", "created_at", "secret_made_at"]
    list_select_related = ["organisation"]
    fields = ["organisation", "url", "created_by", "created_at", "secret_made_at"]
    readonly_fields = ["organisation", "created_by", "created_at", "secret_made_at"]

    def has_add_permission(self, request) -> bool:
        return False  # Made by the org admin, who sees the secret once.


@admin.register(SlackWebhook)
class SlackWebhookAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    list_select_related = ["user"]
    fields = ["user", "updated_at"]
    readonly_fields = ["user", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False
