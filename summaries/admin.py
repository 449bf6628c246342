from __future__ import annotations

from django.contrib import admin

from summaries.models import DecisionSummary, SummaryVersion


class SummaryVersionInline(admin.TabularInline):
    model = SummaryVersion
    fields = ("number", "title", "published_at", "published_by", "change_note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DecisionSummary)
class DecisionSummaryAdmin(admin.ModelAdmin):
    """Drafts are edited on the site (through the services); the admin only shows them."""

    list_display = ("title", "scope", "workshop", "current_version", "updated_at")
    list_filter = ("scope",)
    search_fields = ("title", "slug")
    readonly_fields = (
        "slug",
        "scope",
        "workshop",
        "axis",
        "period_start",
        "period_end",
        "current_version",
        "generated_at",
        "data",
        "sections",
        "intro_html",
        "created_by",
    )
    fields = ("title", *readonly_fields)
    inlines = [SummaryVersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SummaryVersion)
class SummaryVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: read only."""

    list_display = ("summary", "number", "published_at", "published_by")
    readonly_fields = (
        "summary",
        "number",
        "title",
        "published_at",
        "published_by",
        "change_note",
        "generated_at",
        "data",
        "sections",
        "intro_html",
        "text",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
