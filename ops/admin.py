from django.contrib import admin

from ops.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """When each periodic job was last queued (the runs themselves: Tasks › DB task results)."""

    list_display = ("name", "last_slot", "last_queued_at")
    ordering = ("name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
