from django.contrib import admin

from opinions.models import Analysis, Conversation, ConversationParticipant, Statement


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("question", "axis", "workshop", "is_published", "is_open", "created_at")
    list_filter = ("is_published", "is_open", "axis")
    search_fields = ("question",)
    raw_id_fields = ("workshop", "created_by")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("text", "conversation", "vote_count", "is_hidden", "created_at")
    list_filter = ("is_hidden",)
    search_fields = ("text",)
    raw_id_fields = ("conversation", "author", "proposal")
    readonly_fields = ("vote_count", "provenance")


@admin.register(ConversationParticipant)
class ConversationParticipantAdmin(admin.ModelAdmin):
    list_display = ("conversation", "external_id", "college", "created_at")
    raw_id_fields = ("conversation", "user")


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ("conversation", "version", "votes_seen", "duration_ms", "computed_at")
    readonly_fields = ("result", "state")
