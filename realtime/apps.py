from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Temps réel")

    def ready(self) -> None:
        # Here, not at the top: these import models, which need the app registry ready.
        from realtime import rights, users
        from realtime.actions import autodiscover

        autodiscover()
        rights.connect()
        users.connect()
