"""What every app's tests build: people (the accounts app's UserFactory, re-exported so the
80 test modules that create a user keep one short import), the reference data the migrations
load, and the PMA 2030 demo.

Each app's own factories live beside its tests, in ``tests/<app>/factories.py``; a test that
needs another app's objects imports that module (``tests.workshops.factories``), never
another folder's ``conftest.py``.
"""

from __future__ import annotations

import importlib

from tests.accounts.factories import UserFactory

__all__ = ["UserFactory", "ensure_reference_data", "seed_demo"]


def ensure_reference_data() -> None:
    """Put back what the data migrations load (the axes and their French/English columns, the
    role groups) if a transactional test's flush removed it: those tests end with a TRUNCATE
    of every table, data migrations included."""
    from django.apps import apps

    from proposals.models import Axis

    if not Axis.objects.exists():
        importlib.import_module("proposals.migrations.0003_load_axes").load_axes(apps, None)
        importlib.import_module("proposals.migrations.0009_translated_fields").copy_to_french(
            apps, None
        )
    importlib.import_module("accounts.migrations.0002_roles").create_roles(apps, None)


def seed_demo() -> None:
    """seed_demo on a fresh test database. The demo posts its ideas through the room's
    rate-limited service, whose counters live in the cache (not rolled back between tests)."""
    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    call_command("seed_demo", verbosity=0)
