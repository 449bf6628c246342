from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from proposals.models import (
    Axis,
    Comment,
    ModerationAction,
    Proposal,
    Report,
    StatusChange,
    Support,
)


@admin.register(Axis)
class AxisAdmin(TranslationAdmin):
    list_display = ["__str__", "kind", "slug", "order"]
    list_filter = ["kind"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "axis",
        "author_college",
        "status",
        "is_hidden",
        "support_count",
        "created_at",
    ]
    list_filter = ["axis", "status", "author_college", "is_hidden"]
    search_fields = ["title", "body"]
    raw_id_fields = ["author", "origin_workshop", "merged_into"]
    # Lifecycle, moderation and counters change through the services (history, audit,
    # exact counts): the proposal page has the forms for them.
    readonly_fields = [
        "author",
        "author_college",
        "status",
        "status_reason",
        "merged_into",
        "is_hidden",
        "hidden_reason",
        "support_count",
        "comment_count",
        "client_key",
    ]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the services only: the admin shows it, never changes it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(_ReadOnlyAdmin):
    list_display = ["proposal", "old_status", "new_status", "actor", "created_at"]
    list_filter = ["new_status"]
    list_select_related = ["proposal", "actor"]


@admin.register(ModerationAction)
class ModerationActionAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "verb", "proposal", "comment", "moderator", "reason"]
    list_filter = ["verb"]
    list_select_related = ["proposal", "comment", "moderator"]


@admin.register(Report)
class ReportAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "proposal", "comment", "reporter", "status", "reason"]
    list_filter = ["status"]
    list_select_related = ["proposal", "comment", "reporter"]


@admin.register(Comment)
class CommentAdmin(_ReadOnlyAdmin):
    # Hide, restore and delete go through the moderation pages (they keep counters and audit).
    list_display = [
        "pk",
        "proposal",
        "author",
        "author_college",
        "is_deleted",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_hidden", "is_deleted", "author_college"]
    list_select_related = ["proposal", "author"]
    search_fields = ["body"]


@admin.register(Support)
class SupportAdmin(_ReadOnlyAdmin):
    list_display = ["proposal", "user", "user_college", "created_at"]
    list_filter = ["user_college"]
    list_select_related = ["proposal", "user"]
