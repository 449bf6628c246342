from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import UserFactory

POLIS_DATA = Path(__file__).resolve().parent.parent / "data" / "polis"


@pytest.fixture
def conversation(db, facilitator, axis):
    from opinions.services import conversation_create

    return conversation_create(
        actor=facilitator, question="Comment attirer des jeunes dans l'industrie ?", axis=axis
    )


@pytest.fixture
def people(db):
    """Twelve people of the four colleges (three each)."""
    colleges = ["citizens", "enterprises", "elected", "civil_society"]
    return [UserFactory(college=colleges[i % 4]) for i in range(12)]


@pytest.fixture
def write(conversation):
    from opinions.services import statement_create

    def make(author, text):
        return statement_create(conversation=conversation, author=author, text=text)

    return make
