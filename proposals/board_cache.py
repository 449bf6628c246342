"""The board's cached reads, and their invalidation.

What every anonymous visitor of the board shares is kept in Django's cache
(Redis in production): the filter form's choices and its HTML, the number of
proposals of a filter, and the rendered list for a given query (filters, sort,
random-order seed, page) and language. Signed-in visitors are never served
from it: they see their own supports, their own hidden ideas and the ideas of
the private workshops they belong to.

Invalidation is by generation: every key carries the current board generation,
and any write that can change the board (a proposal created, edited, moved,
merged, hidden or restored; a support; a comment counted or not; an axis, a
workshop's visibility, state or title, an author's public name) bumps it,
once at once and once more after the transaction commits. The second bump
matters: a reader that saw the old rows before the commit may have stored them
under the generation of the first bump. Old keys are never read again and
expire on their own (``TIMEOUT``).

Ideas posted in a live room are the exception: forty tables posting an idea a
second would otherwise empty the public board eighty times a second. They mark
the board as pending instead (``changed_soon``: a timestamp, set if missing, once
the transaction commits), and the first reader that finds the mark at
least ``COALESCE_SECONDS`` old folds it into one bump before reading (one
reader wins the delete). A room's new idea reaches the public board within
``COALESCE_SECONDS`` (the room itself shows it live), and however busy the
rooms, the board is rebuilt at most once per ``COALESCE_SECONDS``. The mark is
read with the generation, in the same round trip.

When the cache is away (``project.cache`` then answers like an empty cache)
the generation reads as missing and the board is computed for each request,
exactly as without a cache. A bump lost to an outage of the network between
the workers and a Redis that kept its data leaves the board stale for at most
``TIMEOUT``. Only a cache shared by every worker process is used (``enabled``):
with the local-memory cache of a Redis-less set-up the board is not cached.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

GENERATION_KEY = "proposals:board:generation"
# Keys of an old generation are never read again; this bounds what a bump lost while the
# cache was unreachable (a network partition, not a restart) can leave on the board.
TIMEOUT = 120
# Room ideas wait this long at most before the public board shows them (``changed_soon``).
PENDING_KEY = "proposals:board:pending"
COALESCE_SECONDS = 2.0


def enabled() -> bool:
    """``settings.BOARD_CACHE``; by default on when the cache is shared between processes.
    A local-memory cache is not: a write in one worker would not reach the others' boards."""
    flag = getattr(settings, "BOARD_CACHE", None)
    if flag is None:
        backend = settings.CACHES["default"]["BACKEND"]
        return not backend.endswith(("LocMemCache", "DummyCache"))
    return bool(flag)


def generation() -> int | None:
    """The current generation, created if missing; None when the board is not cached (the
    cache is off, or away)."""
    if not enabled():
        return None
    values = cache.get_many([GENERATION_KEY, PENDING_KEY])
    value = values.get(GENERATION_KEY)
    if _fold(values.get(PENDING_KEY)):
        value = cache.get(GENERATION_KEY)
    if value is None:
        # A fresh start never reuses an old generation (the key may have been evicted
        # while keys made with its values still live).
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value if isinstance(value, int) else None


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # missing (evicted, or the cache is away)
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def changed() -> None:
    """Something the board shows changed: now, and again once the transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def _mark() -> None:
    cache.add(PENDING_KEY, time.time(), timeout=None)  # the oldest unfolded write's time


def changed_soon() -> None:
    """A room's new idea: on the public board within ``COALESCE_SECONDS``, with the other
    ideas of that moment. Marked once the transaction commits: a reader before the commit
    cannot see the idea anyway, and a fold after the mark bumps after the commit."""
    transaction.on_commit(_mark)


def _fold(pending) -> bool:
    """Fold a pending mark old enough into one bump; True when the generation may have moved
    (then read it again)."""
    if not isinstance(pending, (int, float)) or time.time() - pending < COALESCE_SECONDS:
        return False
    if cache.delete(PENDING_KEY):  # one reader bumps; the others read its bump
        _bump()
    return True


def key(generation: int, name: str, *parts: Any) -> str:
    """A key of this generation and the active language (hashed parts: any length)."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"proposals:board:{generation}:{translation.get_language()}:{name}:{digest}"


def get_or_build(generation: int | None, name: str, parts: tuple, build: Callable[[], Any]) -> Any:
    """The cached value of ``build()`` for these parts, computed and stored on a miss."""
    if generation is None:
        return build()
    cache_key = key(generation, name, *parts)
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, TIMEOUT)
    return value


def get_many(generation: int | None, wanted: dict[str, tuple]) -> dict[str, Any]:
    """The cached values among ``wanted`` ({name: parts}), in one round trip."""
    if generation is None or not wanted:
        return {}
    keys = {key(generation, name, *parts): name for name, parts in wanted.items()}
    return {keys[k]: value for k, value in cache.get_many(list(keys)).items()}


def set_many(generation: int | None, values: dict[str, tuple[tuple, Any]]) -> None:
    """Store {name: (parts, value)} in one round trip."""
    if generation is not None and values:
        cache.set_many(
            {key(generation, name, *parts): value for name, (parts, value) in values.items()},
            TIMEOUT,
        )


# --- the whole page ---------------------------------------------------------------------
#
# A warm board is the whole page for a visitor not signed in, read with the generation in one
# round trip: it is stored under a key without generation, with the generation it was built
# at, and served only while that is still the current one. The layout around the board shows,
# of the request, its full path and address (the language switch's return path, the page's
# canonical URL) and the visitor's CSRF token. The first two are in the key; the token is
# rendered as a placeholder and put in for each response. The placeholder is derived from the
# secret key, so that no text a user can write matches it.


def _csrf_placeholder() -> str:
    return "csrf" + salted_hmac("proposals.board_cache.page", "csrf").hexdigest()


def _page_key(request, list_seed: int) -> str:
    htmx = bool(getattr(request, "htmx", False))  # the list inside differs for htmx
    parts = (request.scheme, request.get_host(), request.get_full_path(), list_seed, htmx)
    return key(0, "page", *parts)


def cached_page(request, list_seed: int) -> str | None:
    """The cached page for this request, with the visitor's CSRF token, if it is current."""
    if not enabled():
        return None
    page_key = _page_key(request, list_seed)
    values = cache.get_many([GENERATION_KEY, PENDING_KEY, page_key])
    if _fold(values.get(PENDING_KEY)):
        return None  # room ideas to show: rebuilt at the new generation
    current, stamped = values.get(GENERATION_KEY), values.get(page_key)
    if current is None or stamped is None or stamped[0] != current:
        return None
    return page_for(request, stamped[1])


def page_render(request, template: str, context: dict) -> str:
    """The page, rendered with a placeholder for the CSRF token."""
    return render_to_string(template, context | {"csrf_token": _csrf_placeholder()}, request)


def store_page(generation: int | None, request, list_seed: int, page: str) -> None:
    """Keep a page rendered by ``page_render`` at ``generation``."""
    if generation is not None:
        cache.set(_page_key(request, list_seed), (generation, page), TIMEOUT)


def page_for(request, page: str) -> str:
    """A page rendered by ``page_render``, with this visitor's CSRF token in it."""
    return page.replace(_csrf_placeholder(), get_token(request))


def shared(user) -> bool:
    """Whether this visitor sees the shared, public board (anyone not signed in)."""
    return user is None or not user.is_authenticated


# --- what bumps the generation (connected in ProposalsConfig.ready) ---------------------

# Saves of these models that change nothing on the board (live-session bookkeeping, logins).
_WORKSHOP_BOARD_FIELDS = {"title", "slug", "visibility", "state"}
_USER_BOARD_FIELDS = {"display_name", "first_name", "deleted_at", "college"}


def _on_write(sender, **kwargs) -> None:
    changed()


def _on_proposal_save(sender, instance=None, created=False, **kwargs) -> None:
    # A new idea of a live room: coalesced with the others (see the module's docstring).
    # Anything else about a proposal (edits, moderation, merges) shows at once.
    if created and getattr(instance, "origin_workshop_id", None):
        changed_soon()
    else:
        changed()


def _on_workshop_save(sender, update_fields=None, **kwargs) -> None:
    if update_fields is None or _WORKSHOP_BOARD_FIELDS & set(update_fields):
        changed()


def _on_user_save(sender, update_fields=None, created=False, **kwargs) -> None:
    if created:
        return  # nobody's name on the board yet
    if update_fields is None or _USER_BOARD_FIELDS & set(update_fields):
        changed()


def connect() -> None:
    for label in ("proposals.Proposal", "proposals.Support", "proposals.Comment", "proposals.Axis"):
        model = apps.get_model(label)
        on_save = _on_proposal_save if label == "proposals.Proposal" else _on_write
        post_save.connect(on_save, sender=model, dispatch_uid=f"board-cache-save-{label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"board-cache-delete-{label}")
    workshop = apps.get_model("workshops.Workshop")
    post_save.connect(_on_workshop_save, sender=workshop, dispatch_uid="board-cache-workshop")
    post_delete.connect(_on_write, sender=workshop, dispatch_uid="board-cache-workshop-delete")
    user = apps.get_model(settings.AUTH_USER_MODEL)
    post_save.connect(_on_user_save, sender=user, dispatch_uid="board-cache-user")
