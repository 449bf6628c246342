from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class College(models.TextChoices):
    """Stakeholder type a participant declares; results are broken down by it."""

    CITIZENS = "citizens", _("Citoyen·nes")
    ENTERPRISES = "enterprises", _("Entreprises")
    ELECTED = "elected", _("Élu·es")
    CIVIL_SOCIETY = "civil_society", _("Société civile et expert·es")


class Role(models.TextChoices):
    """Roles are Django groups; these are their names."""

    FACILITATORS = "facilitators", _("Animateur·rices")
    CODEV_EDITORS = "codev_editors", _("Éditeur·rices du Codev")
    MODERATORS = "moderators", _("Modérateur·rices")


class UserQuerySet(models.QuerySet):
    """Users, with the guest/full-account split."""

    def guests(self) -> UserQuerySet:
        return self.filter(is_guest=True)

    def accounts(self) -> UserQuerySet:
        return self.filter(is_guest=False)


class CustomUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person on the platform: a full account, or a guest who joined a workshop with a code.

    The participant profile (display name, college, preferences) lives on the
    user row itself so that every list that shows an author costs no join.
    """

    display_name = models.CharField(_("nom affiché"), max_length=60, blank=True)
    college = models.CharField(
        _("collège"), max_length=20, choices=College.choices, default=College.CITIZENS
    )
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    is_guest = models.BooleanField(
        _("invité·e"),
        default=False,
        help_text=_("Créé·e en rejoignant un atelier avec un code, sans e-mail."),
    )
    email_opt_in = models.BooleanField(
        _("recevoir des nouvelles par e-mail"),
        default=False,
        help_text=_("Synthèses publiées et suites données à vos idées."),
    )
    email_opt_in_changed_at = models.DateTimeField(
        _("choix des nouvelles par e-mail fait le"), null=True, blank=True
    )
    terms_accepted_at = models.DateTimeField(_("conditions acceptées le"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    objects = CustomUserManager()

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """The name shown to others: never the e-mail address."""
        if self.deleted_at:
            return str(_("Participant·e supprimé·e"))
        return self.display_name or self.first_name or str(_("Participant·e"))

    def has_role(self, role: Role | str) -> bool:
        if not self.is_authenticated or not self.is_active:
            return False
        if self.is_superuser:
            return True
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = set(self.groups.values_list("name", flat=True))
            self._role_cache = cache
        return str(role) in cache

    @property
    def is_facilitator(self) -> bool:
        return self.has_role(Role.FACILITATORS)

    @property
    def is_codev_editor(self) -> bool:
        return self.has_role(Role.CODEV_EDITORS)

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.MODERATORS)


class AuditEvent(models.Model):
    """Append-only record of sensitive actions: who, when, what, from where.

    Written only through ``accounts.services.audit_record``; never updated or
    deleted by the application (the admin shows it read-only).
    """

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(_("type de l'objet"), max_length=60, blank=True)
    target_id = models.CharField(_("identifiant de l'objet"), max_length=60, blank=True)
    target_repr = models.CharField(_("objet"), max_length=200, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class ApiTokenQuerySet(models.QuerySet):
    """Personal access tokens; only active ones authenticate."""

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal access token for the API (``Authorization: Bearer …``).

    Only a SHA-256 digest of the token is stored; the token itself is shown
    once, when it is created.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=80)
    prefix = models.CharField(_("début du jeton"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'accès à l'API")
        verbose_name_plural = _("jetons d'accès à l'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
