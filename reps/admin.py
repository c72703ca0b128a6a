from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .models import ApiToken, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "organisation", "role", "manager", "timezone", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    search_fields = ["email", "name"]
    list_select_related = ["organisation", "manager"]
    raw_id_fields = ["manager"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "organisation", "role"]}),
        (
            "Coaching",
            {
                "fields": [
                    "manager",
                    "timezone",
                    "start_date",
                    "one_on_one_weekday",
                    "one_on_one_time",
                    "ramp",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]

    def save_model(self, request, obj, form, change):
        # The admin's change view is one transaction: the hand-over and the
        # re-timed reminders commit with the edit.
        super().save_model(request, obj, form, change)
        if change:
            services.person_setup_changed(person=obj, fields=set(form.changed_data))

    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """For support: see and revoke tokens. They are made by org admins in the
    app, where the secret is shown once; the admin never sees it."""

    list_display = ["name", "organisation", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "prefix"]
    fields = [
        "organisation",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["organisation", "name", "prefix", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
