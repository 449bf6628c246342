from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"accounts", "proposals", "workshops", "votes", "decisions", "auth", "account"}
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first


@pytest.mark.django_db
def test_seed_demo_loads_people_of_every_college_and_the_indicators():
    from accounts.models import College, User
    from decisions.models import Indicator
    from workshops.models import Workshop

    call_command("seed_demo", verbosity=0)
    colleges = set(User.objects.values_list("college", flat=True))
    assert colleges == set(College.values)
    assert User.objects.get(username="claire.codev").is_codev_editor
    assert User.objects.get(username="karim.anim").is_facilitator
    assert Indicator.objects.success().count() == 4
    assert Indicator.objects.get(slug="taux-chomage-local").baseline_value == 9.5
    assert "6,3 %" in Indicator.objects.get(slug="taux-chomage-local").context_note
    assert Workshop.objects.filter(state="scheduled").exists()
