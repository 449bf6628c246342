from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: background tasks and their schedule, metrics, health, request ids, logs."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = "Exploitation"
