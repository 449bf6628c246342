from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, for its management commands (check_production)."""

    name = "project"
    verbose_name = "Agir Ensemble"
