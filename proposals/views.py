from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from proposals.models import Axis


@require_GET
def axis_detail(request: HttpRequest, slug: str) -> HttpResponse:
    axis = get_object_or_404(Axis, slug=slug)
    return render(request, "proposals/axis_detail.html", {"axis": axis})
