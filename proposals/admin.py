from django.contrib import admin

from proposals.models import Axis, Proposal


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
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
