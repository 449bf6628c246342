from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Recommandations, actions et indicateurs")

    def ready(self) -> None:
        # Local on purpose: the receivers import models and services, which the app registry
        # lets a module import only once every app is loaded (Django's documented place for it).
        from decisions import receivers  # noqa: F401  (connects the signal receivers)
