from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from workshops.models import Participant, Phase, Workshop


class PhaseInline(admin.TabularInline):
    model = Phase
    fields = ["order", "kind", "title", "planned_minutes", "started_at", "ended_at"]
    readonly_fields = ["started_at", "ended_at"]
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = Participant
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(TranslationAdmin):
    list_display = ["title", "state", "starts_at", "place", "visibility", "join_code"]
    list_filter = ["state", "place", "visibility"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["axes", "facilitators"]
    inlines = [PhaseInline, ParticipantInline]
    raw_id_fields = ["spotlight", "current_phase", "created_by"]
