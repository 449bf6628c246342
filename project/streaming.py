"""Streamed responses that stream under ASGI too.

Under ASGI Django cannot iterate a synchronous iterator in the event loop: it warned
(« StreamingHttpResponse must consume synchronous iterators… », once per export in the
server's log) and read the whole iterator into memory before sending a byte. Here the
iterator is read in batches in Django's sync thread (the database connection's), and
the event loop sends each batch as it comes. Under WSGI (``runserver``, the test client)
the iterator is used as it is.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

BATCH = 200  # rows per trip to the sync thread


def _batched(iterable: Iterable) -> AsyncIterator:
    iterator: Iterator = iter(iterable)
    take = sync_to_async(lambda: list(itertools.islice(iterator, BATCH)), thread_sensitive=True)

    async def generate():
        while batch := await take():
            for part in batch:
                yield part

    return generate()


def streaming_response(request: HttpRequest, content: Iterable, **kwargs) -> StreamingHttpResponse:
    if isinstance(request, ASGIRequest):
        content = _batched(content)
    return StreamingHttpResponse(content, **kwargs)
