"""Factories for people (accounts). Every app's tests use UserFactory."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import College, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Faker("name", locale="fr_FR")
    college = College.CITIZENS
    terms_accepted_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-test-123")

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and obj.email:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )
            obj.save()
