"""Read-only admin of the decisions: every change goes through the services."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from decisions.models import (
    ActionItem,
    ActionUpdate,
    HistoryEntry,
    Indicator,
    Measurement,
    Notification,
    Recommendation,
    RecommendationSource,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the app's pages and services, which record who changed what and
    when (history, audit, notifications): the admin only shows."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Trace links and updates are made through the app's services (history, notifications)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MeasurementInline(ReadOnlyInline):
    model = Measurement
    fields = ["date", "value", "source", "entered_by"]
    readonly_fields = fields


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin, ReadOnlyAdmin):
    list_display = ["name", "kind", "unit", "baseline_value", "target_2030", "direction"]
    list_filter = ["kind", "axis"]
    inlines = [MeasurementInline]


class SourceInline(ReadOnlyInline):
    model = RecommendationSource
    fields = ["proposal", "linked_by", "linked_at", "note"]
    readonly_fields = fields


@admin.register(Recommendation)
class RecommendationAdmin(TranslationAdmin, ReadOnlyAdmin):
    list_display = ["title", "axis", "status", "created_at", "published_at"]
    list_filter = ["status", "axis"]
    search_fields = ["title"]
    inlines = [SourceInline]


class UpdateInline(ReadOnlyInline):
    model = ActionUpdate
    fields = ["date", "text", "progress", "old_status", "new_status", "author"]
    readonly_fields = fields


@admin.register(ActionItem)
class ActionItemAdmin(TranslationAdmin, ReadOnlyAdmin):
    list_display = ["title", "recommendation", "owner_name", "status", "progress", "due_date"]
    list_filter = ["status", "owner_kind"]
    search_fields = ["title", "owner_name"]
    inlines = [UpdateInline]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "verb", "actor", "recommendation", "action", "indicator"]
    list_filter = ["verb"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "read_at", "emailed_at"]
    list_filter = ["kind"]
