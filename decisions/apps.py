from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Recommandations, actions et indicateurs")

    def ready(self) -> None:
        from decisions import receivers  # noqa: F401  (connects the signal receivers)
