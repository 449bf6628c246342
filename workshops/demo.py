"""Demo workshops of PMA 2030: a scheduled workshop on axis 1."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from proposals.models import Axis
from workshops.models import Place, Workshop, WorkshopState
from workshops.services import join_code_generate


def seed(ctx: dict) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    workshop, created = Workshop.objects.get_or_create(
        slug="friches-foncier-2030",
        defaults={
            "title": "Requalifier les friches industrielles : où et pour quoi faire ?",
            "description": (
                "Atelier ouvert à tous les collèges : caractériser les parcelles mobilisables, prioriser les "
                "friches à requalifier sans étalement urbain, écouter les besoins des chefs d'entreprise."
            ),
            "starts_at": now + timedelta(days=14),
            "ends_at": now + timedelta(days=14, hours=3),
            "place": Place.HYBRID,
            "location": "Maison de l'agglomération, Montbéliard",
            "capacity": 120,
            "state": WorkshopState.SCHEDULED,
            "join_code": join_code_generate(),
            "created_by": ctx["facilitator"],
        },
    )
    if created:
        workshop.axes.set(Axis.objects.filter(slug="environnement-accueil"))
        workshop.facilitators.add(ctx["facilitator"])
    ctx["scheduled_workshop"] = workshop
