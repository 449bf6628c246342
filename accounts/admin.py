from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "college",
        "is_guest",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["college", "is_guest", "is_staff", "groups"]
    search_fields = ["username", "display_name", "email", "organisation"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Participation"),
            {
                "fields": [
                    "display_name",
                    "college",
                    "organisation",
                    "is_guest",
                    "email_opt_in",
                    "terms_accepted_at",
                    "deleted_at",
                ]
            },
        ),
    )


from accounts.models import AuditEvent  # noqa: E402


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "action", "actor", "target_repr", "ip_address"]
    list_filter = ["action"]
    search_fields = ["action", "target_repr", "target_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
