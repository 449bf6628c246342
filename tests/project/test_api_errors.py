"""API validation errors are translated per field, not pydantic's English."""

from __future__ import annotations

import pytest
from django.utils import translation

from project.api_errors import _field_message


@pytest.mark.django_db
def test_query_validation_errors_are_in_french_and_name_the_fields(client):
    response = client.get("/api/v1/proposals", {"sort": "n-importe", "page_size": 1000})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Certaines données sont invalides."
    messages = [m for field in body["fields"].values() for m in field]
    assert messages and all("should" not in m and "Input" not in m for m in messages)
    assert any("inférieure ou égale" in m for m in body["fields"]["page_size"])


@pytest.mark.django_db
def test_field_errors_follow_the_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/api/v1/proposals", {"page_size": 1000})
    assert response.status_code == 422
    assert any("less than or equal" in m for m in response.json()["fields"]["page_size"])


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "missing"}, "Ce champ est obligatoire."),
        (
            {"type": "string_too_long", "ctx": {"max_length": 200}},
            "Ce texte est trop long (au plus 200 caractères).",
        ),
        ({"type": "int_parsing"}, "Ce champ doit être un nombre entier."),
        ({"type": "json_invalid"}, "Le corps de la requête n'est pas du JSON valide."),
        ({"type": "something_new"}, "Valeur invalide."),
    ],
)
def test_each_pydantic_error_type_gets_a_french_message(error, expected):
    with translation.override("fr"):
        assert _field_message(error) == expected
