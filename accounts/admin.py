from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import audit_record

# The admin has no login form of its own: it sends to allauth's, which is rate
# limited and asks staff for their TOTP code.
admin.site.login = secure_admin_login(admin.site.login)


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

    def save_model(self, request, obj, form, change):
        if change:
            before = (
                User.objects.filter(pk=obj.pk)
                .values("is_staff", "is_superuser", "is_active")
                .first()
                or {}
            )
            obj._audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        user = form.instance
        old_groups = set(user.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        new_groups = set(user.groups.values_list("name", flat=True))
        _audit_admin_changes(request, user, old_groups, new_groups)


def _audit_admin_changes(request, user, old_groups: set[str], new_groups: set[str]) -> None:
    """Role and privilege changes made in the admin are audited like those made by services."""
    for role in sorted(new_groups - old_groups):
        audit_record(
            actor=request.user,
            action="role.granted",
            target=user,
            data={"role": role, "via": "admin"},
            request=request,
        )
    for role in sorted(old_groups - new_groups):
        audit_record(
            actor=request.user,
            action="role.revoked",
            target=user,
            data={"role": role, "via": "admin"},
            request=request,
        )
    before = getattr(user, "_audit_before", None) or {}
    for flag in ("is_staff", "is_superuser", "is_active"):
        if flag in before and before[flag] != getattr(user, flag):
            audit_record(
                actor=request.user,
                action=f"user.{flag}_changed",
                target=user,
                data={"from": before[flag], "to": getattr(user, flag), "via": "admin"},
                request=request,
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
