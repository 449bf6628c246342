from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from project.emails import email_context, html_from_text
from project.links import absolute_url


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the platform's way: a display name and a college on sign-up, and the
    platform's own e-mails (its name, its look, the person's display name)."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = getattr(form, "cleaned_data", {})
        if data.get("display_name"):
            user.display_name = data["display_name"]
        if data.get("college"):
            user.college = data["college"]
        if not user.display_name and user.email:
            user.display_name = user.email.split("@", 1)[0][:60]
        user.is_guest = False
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        login = reverse("account_login")
        request = getattr(self, "request", None)
        context = {
            **email_context(),
            "login_url": absolute_url(login, request),
            **context,
        }
        super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix, email, context, headers=None):
        """The text version from the templates; the HTML one from it, in the platform's look."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if not getattr(message, "alternatives", None):
            html = html_from_text(message.body, subject=message.subject)
            message.attach_alternative(html, "text/html")
        return message
