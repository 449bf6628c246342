from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Propositions et axes")

    def ready(self) -> None:
        # Signal receivers connect once the app registry is ready (their modules read models).
        from proposals import board_cache, similar_freshness

        board_cache.connect()
        similar_freshness.connect()
