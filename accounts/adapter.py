from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the platform's way: a display name and a college on sign-up."""

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
