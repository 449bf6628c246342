"""Import a Pol.is open-data export (comments.csv, votes.csv, summary.csv) as a new conversation."""

from __future__ import annotations

import csv
import secrets
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import College, User
from opinions.models import Conversation, ConversationParticipant, Statement, StatementVote
from opinions.services import analysis_run

HIDDEN_REASON = "Masqué par la modération de Pol.is"


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise CommandError(f"missing file: {path}") from exc


def _summary(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2}


class Command(BaseCommand):
    help = (
        "Import a Pol.is export directory as a new conversation (one guest participant per "
        "Pol.is participant, external id polis:<participant>); prints the conversation's path last."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--no-analysis", action="store_true", help="Do not compute the analysis now."
        )

    def handle(self, *args, directory: str, no_analysis: bool = False, **options):
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"not a directory: {folder}")
        comments = _read(folder / "comments.csv")
        votes = _read(folder / "votes.csv")
        summary = _summary(folder / "summary.csv") if (folder / "summary.csv").exists() else {}
        try:
            # The last vote of a voter on a statement counts (stable sort: file order on ties).
            votes.sort(key=lambda row: int(row["timestamp"]))
            latest = {(int(r["voter-id"]), int(r["comment-id"])): int(r["vote"]) for r in votes}
            comment_rows = {int(c["comment-id"]): c for c in comments}
        except (KeyError, ValueError) as exc:
            raise CommandError(f"not a Pol.is export: {exc}") from exc
        if any(v not in (-1, 0, 1) for v in latest.values()):
            raise CommandError("votes must be -1, 0 or 1")
        people = sorted(
            {p for p, _c in latest} | {int(c["author-id"]) for c in comments if c["author-id"]}
        )
        with transaction.atomic():
            conversation = Conversation.objects.create(
                question=(summary.get("topic") or folder.name)[:300],
                description=summary.get("conversation-description", "")[:2000],
                external_source=("polis:" + summary.get("url", folder.name))[:300],
                is_open=False,
            )
            password = make_password(None)
            token = secrets.token_hex(4)
            users = User.objects.bulk_create(
                User(
                    username=f"polis-{conversation.pk}-{token}-{pid}",
                    display_name=f"Pol.is {pid}",
                    college=College.CITIZENS,
                    is_guest=True,
                    password=password,
                )
                for pid in people
            )
            if any(u.pk is None for u in users):  # backends without RETURNING ids
                users = list(
                    User.objects.filter(
                        username__startswith=f"polis-{conversation.pk}-{token}-"
                    ).order_by("id")
                )
                by_name = {u.username: u for u in users}
                users = [by_name[f"polis-{conversation.pk}-{token}-{pid}"] for pid in people]
            ConversationParticipant.objects.bulk_create(
                ConversationParticipant(
                    conversation=conversation,
                    user=user,
                    college=user.college,
                    external_id=f"polis:{pid}",
                )
                for pid, user in zip(people, users, strict=True)
            )
            participants = dict(
                ConversationParticipant.objects.filter(conversation=conversation).values_list(
                    "external_id", "id"
                )
            )
            counts: dict[int, int] = {}
            for _p, cid in latest:
                counts[cid] = counts.get(cid, 0) + 1
            Statement.objects.bulk_create(
                Statement(
                    conversation=conversation,
                    author_id=participants[f"polis:{int(row['author-id'])}"],
                    text=row["comment-body"][:1000],
                    external_id=f"polis:{cid}",
                    is_hidden=row.get("moderated") == "-1",
                    hidden_reason=HIDDEN_REASON if row.get("moderated") == "-1" else "",
                    vote_count=counts.get(cid, 0),
                )
                for cid, row in sorted(comment_rows.items())
            )
            statements = dict(
                Statement.objects.filter(conversation=conversation).values_list("external_id", "id")
            )
            missing = {cid for _p, cid in latest if f"polis:{cid}" not in statements}
            if missing:
                raise CommandError(f"votes on unknown comments: {sorted(missing)[:10]}")
            StatementVote.objects.bulk_create(
                (
                    StatementVote(
                        statement_id=statements[f"polis:{cid}"],
                        participant_id=participants[f"polis:{pid}"],
                        value=value,
                    )
                    for (pid, cid), value in latest.items()
                ),
                batch_size=2000,
            )
        self.stdout.write(
            f"{len(people)} participants, {len(comment_rows)} statements, {len(latest)} votes"
        )
        if not no_analysis:
            analysis = analysis_run(conversation)
            self.stdout.write(
                f"analysis: {len(analysis.result.get('groups', []))} groups "
                f"in {analysis.duration_ms} ms"
            )
        self.stdout.write(conversation.get_absolute_url())
