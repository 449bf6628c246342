"""Admin for vote sessions and their options.

Ballots are deliberately not registered: the admin must never list who voted
what. Each session shows its number of ballots only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from votes.models import VoteOption, VoteSession


class VoteOptionInline(admin.TabularInline):
    model = VoteOption
    extra = 0
    fields = ("order", "label", "proposal")
    raw_id_fields = ("proposal",)

    # Options are frozen once a session has been opened: ballots refer to them.
    def _editable(self, obj) -> bool:
        return obj is None or obj.state == "draft"

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(VoteSession)
class VoteSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "method", "state", "reveal", "workshop", "ballot_total", "created_at")
    list_filter = ("method", "state", "reveal")
    search_fields = ("title", "question")
    raw_id_fields = ("workshop", "created_by")
    readonly_fields = ("opened_at", "closed_at", "revealed_at", "published_at", "created_at")
    inlines = [VoteOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ballot_total=Count("ballots"))

    @admin.display(description=_("bulletins"), ordering="ballot_total")
    def ballot_total(self, obj) -> int:
        return obj.ballot_total

    def get_readonly_fields(self, request, obj=None):
        # State changes go through the services (audit, broadcast): the console, not the admin.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["state", "method"]
        return fields
