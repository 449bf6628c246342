"""Demo people of PMA 2030: a Codev editor, a facilitator, a moderator, participants of every college.

Every demo account has the password given by DEMO_PASSWORD (default
``agir-ensemble-demo``) and a verified e-mail, so that one can sign in with it.
"""

from __future__ import annotations

import os

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import College, Role, User
from accounts.services import role_grant

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "agir-ensemble-demo")

PEOPLE = [
    # username, display name, college, organisation, roles
    (
        "claire.codev",
        "Claire Marchand",
        College.CIVIL_SOCIETY,
        "Codev PMA",
        [Role.CODEV_EDITORS, Role.MODERATORS],
    ),
    ("karim.anim", "Karim Benali", College.CIVIL_SOCIETY, "Codev PMA", [Role.FACILITATORS]),
    ("sophie.modo", "Sophie Girard", College.CIVIL_SOCIETY, "Codev PMA", [Role.MODERATORS]),
    ("lucie.citoyenne", "Lucie Perrin", College.CITIZENS, "", []),
    ("marc.citoyen", "Marc Vuillemin", College.CITIZENS, "", []),
    ("ines.citoyenne", "Inès Haddad", College.CITIZENS, "", []),
    ("thomas.citoyen", "Thomas Roy", College.CITIZENS, "", []),
    (
        "nathalie.equip",
        "Nathalie Faivre",
        College.ENTERPRISES,
        "Équipementier automobile, Sochaux",
        [],
    ),
    ("pierre.h2", "Pierre Mougin", College.ENTERPRISES, "PME hydrogène, Étupes", []),
    (
        "amelie.maroq",
        "Amélie Courvoisier",
        College.ENTERPRISES,
        "Atelier de maroquinerie, Audincourt",
        [],
    ),
    ("jean.elu", "Jean-Luc Cuenot", College.ELECTED, "Conseil communautaire PMA", []),
    ("fatima.elue", "Fatima Oukil", College.ELECTED, "Mairie de Valentigney", []),
    ("paul.expert", "Paul Dromard", College.CIVIL_SOCIETY, "Université de Franche-Comté", []),
    (
        "helene.asso",
        "Hélène Bouchot",
        College.CIVIL_SOCIETY,
        "Association d'insertion, Montbéliard",
        [],
    ),
]


def seed(ctx: dict) -> None:
    users = {}
    for username, name, college, organisation, roles in PEOPLE:
        email = f"{username}@demo.agir-ensemble.fr"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": name,
                "college": college,
                "organisation": organisation,
                "email": email,
                "terms_accepted_at": timezone.now(),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role in roles:
            role_grant(user=user, role=role)
        users[username] = user
    ctx["users"] = users
    ctx["editor"] = users["claire.codev"]
    ctx["facilitator"] = users["karim.anim"]
    ctx["moderator"] = users["sophie.modo"]
