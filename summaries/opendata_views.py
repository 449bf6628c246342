"""The open data's descriptions: ``datapackage.json`` and each dataset's Table Schema.

Beside the downloads (``/donnees/``): the Data Package names every CSV file with its
licence, provenance, dialect and schema, so that a validator (frictionless, the
validator of data.gouv.fr) or a reuser's tool reads the files without guessing.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from summaries import opendata

JSON_OPTIONS = {"ensure_ascii": False, "indent": 2}


def _json(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    response["Content-Type"] = "application/json; charset=utf-8"
    response["Link"] = f'<{opendata.LICENCE_URL}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"  # public data: validators read it from a page
    return response


@require_GET
def data_package(request: HttpRequest) -> JsonResponse:
    return _json(opendata.data_package(request))


@require_GET
def table_schema(request: HttpRequest, dataset: str) -> JsonResponse:
    data = opendata.DATASETS_BY_SLUG.get(dataset)
    if data is None:
        raise Http404("dataset")
    return _json(opendata.table_schema(data, request))
