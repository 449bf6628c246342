"""``manage.py create_api_token USERNAME [--create-user --college NAME] [--name LABEL]``.

Prints only the token (so that ``TOKEN=$(manage.py create_api_token alice)`` works);
everything else goes to stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import College, User
from accounts.tokens import token_create
from project.errors import DomainError


class Command(BaseCommand):
    help = "Crée un jeton d'accès à l'API pour un compte et l'affiche (une seule fois)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--create-user",
            action="store_true",
            help="Crée d'abord un compte participant·e s'il n'existe pas.",
        )
        parser.add_argument(
            "--college",
            choices=College.values,
            default=College.CITIZENS,
            help="Collège du compte créé avec --create-user.",
        )
        parser.add_argument(
            "--name", default="", help="Nom du jeton (par défaut : « ligne de commande »)."
        )

    def handle(self, *args, **options) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            if not options["create_user"]:
                raise CommandError(
                    f"Aucun compte « {username} » (ajoutez --create-user pour le créer)."
                )
            user = User(
                username=username,
                display_name=username,
                college=options["college"],
                terms_accepted_at=timezone.now(),
            )
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            self.stderr.write(f"Compte « {username} » créé ({options['college']}).")
        if not user.is_active:
            raise CommandError(f"Le compte « {username} » est désactivé.")
        try:
            _token, raw = token_create(user=user, name=options["name"] or "ligne de commande")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
