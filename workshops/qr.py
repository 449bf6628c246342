"""The join QR code, drawn on the server as SVG (no inline style: the CSP forbids it)."""

from __future__ import annotations

from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.urls import reverse

from project.links import absolute_url
from workshops.models import Workshop


def join_url(request, workshop: Workshop) -> str:
    return absolute_url(
        reverse("workshops:join") + "?" + urlencode({"code": workshop.join_code}), request
    )


def join_qr_svg(request, workshop: Workshop) -> bytes:
    image = qrcode.make(
        join_url(request, workshop),
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
    )
    return image.to_string(encoding="unicode").encode()
