from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: background tasks and their schedule, metrics, health, request ids, logs."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = _("Exploitation")
