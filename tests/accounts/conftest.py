from __future__ import annotations

import pytest

from tests.accounts.helpers import staff_with_totp


@pytest.fixture
def staff(db):
    return staff_with_totp()
