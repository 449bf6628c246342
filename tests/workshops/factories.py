"""Factories for workshops and their participants."""

from __future__ import annotations

import factory

from tests.factories import UserFactory
from workshops.models import Participant, Workshop, WorkshopState, new_join_code


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Atelier {n}")
    slug = factory.Sequence(lambda n: f"atelier-{n}")
    state = WorkshopState.LIVE
    join_code = factory.LazyFunction(new_join_code)

    @factory.post_generation
    def facilitators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.facilitators.add(*extracted)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    workshop = factory.SubFactory(WorkshopFactory)
    user = factory.SubFactory(UserFactory)
    college = factory.LazyAttribute(lambda o: o.user.college)
