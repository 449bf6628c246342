from django.contrib import admin

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


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    raw_id_fields = ["entered_by"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "baseline_value", "target_2030", "direction"]
    list_filter = ["kind", "axis"]
    inlines = [MeasurementInline]


class ReadOnlyInline(admin.TabularInline):
    """Trace links and updates are made through the app's services (history, notifications)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SourceInline(ReadOnlyInline):
    model = RecommendationSource
    fields = ["proposal", "linked_by", "linked_at", "note"]
    readonly_fields = fields


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["title", "axis", "status", "created_at", "published_at"]
    list_filter = ["status", "axis"]
    search_fields = ["title"]
    readonly_fields = ["status", "adopted_at", "published_at", "created_by"]
    inlines = [SourceInline]


class UpdateInline(ReadOnlyInline):
    model = ActionUpdate
    fields = ["date", "text", "progress", "old_status", "new_status", "author"]
    readonly_fields = fields


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "recommendation", "owner_name", "status", "progress", "due_date"]
    list_filter = ["status", "owner_kind"]
    search_fields = ["title", "owner_name"]
    readonly_fields = ["status", "progress", "created_by"]
    inlines = [UpdateInline]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "verb", "actor", "recommendation", "action", "indicator"]
    list_filter = ["verb"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "proposal"]
