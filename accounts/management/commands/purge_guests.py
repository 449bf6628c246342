"""Delete guests older than the retention period (GUEST_RETENTION_DAYS); run it daily."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.privacy import guests_purge


class Command(BaseCommand):
    help = (
        "Supprime les comptes invités plus anciens que GUEST_RETENTION_DAYS ; ceux qui ont "
        "contribué sont anonymisés (leurs contributions restent dans les totaux)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Durée de conservation en jours (défaut : {settings.GUEST_RETENTION_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien supprimer.")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        if days is not None and days < 1:
            self.stderr.write("--days doit être au moins 1.")
            raise SystemExit(2)
        result = guests_purge(days=days, dry_run=dry_run)
        verb = "à traiter" if dry_run else "traités"
        self.stdout.write(
            f"Invités {verb} : {result.total} "
            f"(supprimés : {result.deleted}, anonymisés : {result.anonymised})."
        )
