from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Ateliers")

    def ready(self):
        # Models are loaded only now: what proposals asks of an idea's origin workshop
        # (proposals/origins.py; proposals never imports workshops).
        from proposals import origins
        from workshops import rules, selectors, services
        from workshops.models import Participant, Workshop, is_publicly_visible

        origins.register(
            origins.OriginRooms(
                is_public=is_publicly_visible,
                member_can_see=lambda user, workshop: rules.can_see_workshop(
                    user, workshop, selectors.participant_for(user, workshop)
                ),
                public_ids=lambda: Workshop.objects.publicly_visible().order_by().values("pk"),
                member_ids=lambda user: (
                    Participant.objects.filter(user=user, removed_at__isnull=True).values(
                        "workshop_id"
                    ),
                    Workshop.facilitators.through.objects.filter(user=user).values("workshop_id"),
                ),
                post_idea=lambda **kwargs: services.idea_post(**kwargs),
            )
        )
