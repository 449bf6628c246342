"""``manage.py check_production``: refuse to start a misconfigured production server.

Runs Django's system checks with the deployment ones (``check --deploy``: Django's
security settings, and project.checks: DEBUG, SECRET_KEY, SITE_URL, hosts, Redis,
e-mail) and fails on any warning, not only on errors. ``make serve`` and the systemd
unit (deploy/systemd/agir-web.service) run it before ``migrate`` and the server.
``--allow`` lets a deployment accept a warning knowingly (e.g. ``--allow agir.W001``
for a small SQLite installation); listing it in SILENCED_SYSTEM_CHECKS does the same.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, register
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from project.checks import check_production_settings


class Command(BaseCommand):
    help = "Deployment checks (check --deploy and the platform's own); fails on any warning."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow",
            action="append",
            default=[],
            metavar="ID",
            help="A check id to accept (repeatable), e.g. agir.W001.",
        )

    def handle(self, *args, allow, **options):
        register(check_production_settings, Tags.security, deploy=True)
        silenced = list(getattr(settings, "SILENCED_SYSTEM_CHECKS", []))
        settings.SILENCED_SYSTEM_CHECKS = silenced + allow
        try:
            call_command("check", deploy=True, fail_level="WARNING", stdout=self.stdout)
        except CommandError as error:
            raise CommandError(
                f"Production settings are not safe to start with:\n{error}"
            ) from error
        finally:
            settings.SILENCED_SYSTEM_CHECKS = silenced
        self.stdout.write("Production settings checked.")
