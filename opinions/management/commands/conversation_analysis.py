"""Print a conversation's current analysis (staff command; never exposed on the web)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from opinions.models import Conversation
from opinions.selectors import analysis_of, export_json
from opinions.services import analysis_run


class Command(BaseCommand):
    help = "Print the analysis of conversation ID (computed now if there is none yet)."

    def add_arguments(self, parser):
        parser.add_argument("conversation_id", type=int)
        parser.add_argument("--json", action="store_true", help="Print the JSON shape.")
        parser.add_argument("--refresh", action="store_true", help="Recompute it first.")

    def handle(self, *args, conversation_id: int, json: bool = False, refresh=False, **options):
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            raise CommandError(f"no conversation {conversation_id}")
        analysis = analysis_of(conversation)
        if analysis is None or refresh:
            analysis = analysis_run(conversation)
        data = export_json(conversation, analysis)
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(f"{conversation.question}")
        self.stdout.write(
            f"version {analysis.version}, {analysis.votes_seen} votes, {analysis.duration_ms} ms"
        )
        for group in data["groups"]:
            self.stdout.write(
                f"group {group['id']}: {len(group['members'])} members, representative "
                f"{data['representative'].get(str(group['id']), [])}"
            )
        self.stdout.write(f"consensus: {data['consensus']}")
        self.stdout.write(f"unites: {data['unites']}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
