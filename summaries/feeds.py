"""Atom feed of published summaries: one entry per published version (corrections included).

Links are absolute from the request (``project.links``), as the reader reached the site.
Ids are not links: they must not change with the address used, nor with a title, so the
feed's id is its address at ``SITE_URL`` and an entry's is a tag URI built from the keys of
its summary and version (``tag:host,2026-03-02:summaries/12/v1``).
"""

from __future__ import annotations

import html

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from project.links import absolute_url, tag_uri
from project.sanitizer import clean_html, plain_text
from summaries.models import SummaryVersion

FEED_SIZE = 30
INTRO_LENGTH = 600


class PublishedSummariesFeed(Feed):
    feed_type = Atom1Feed
    title = _("Synthèses publiées par le Codev du Pays de Montbéliard")
    subtitle = _("Les synthèses des ateliers et des travaux du Codev, avec leurs corrections.")

    def __init__(self, request: HttpRequest | None = None):
        super().__init__()
        self.request = request

    def link(self):
        return absolute_url(reverse("summaries:list"), self.request)

    def feed_url(self):
        return absolute_url(reverse("summaries:feed"), self.request)

    def feed_guid(self):
        return absolute_url(reverse("summaries:feed"))  # SITE_URL's, whatever the request

    def items(self):
        # One query: versions with their summary.
        return SummaryVersion.objects.select_related("summary").order_by("-published_at")[
            :FEED_SIZE
        ]

    def item_title(self, item: SummaryVersion) -> str:
        if item.number == 1:
            return item.title
        return str(_("%(title)s (version %(number)d, corrigée)")) % {
            "title": item.title,
            "number": item.number,
        }

    def item_description(self, item: SummaryVersion) -> str:
        """The entry's ``<summary type="html">``: feed readers render it as HTML.

        As on the page, the change note is text (escaped), and so is the introduction
        (its words without tags); the whole then goes through the one sanitiser, so that
        nothing an editor typed reaches a reader as markup (docs/security.md, hole 6).
        """
        parts = []
        if item.change_note:
            parts.append(
                format_html("<p><strong>{}</strong> {}</p>", _("Correction :"), item.change_note)
            )
        # plain_text keeps entities escaped: unescape, cut, and let format_html escape again.
        intro = html.unescape(plain_text(item.intro_html))[:INTRO_LENGTH]
        if intro:
            parts.append(format_html("<p>{}</p>", intro))
        return clean_html("".join(parts))

    def item_link(self, item: SummaryVersion) -> str:
        return absolute_url(item.get_absolute_url(), self.request)

    def item_guid(self, item: SummaryVersion) -> str:
        """Keys, not the slug (made from a title): the same id for ever."""
        return tag_uri(item.published_at, f"summaries/{item.summary_id}/v{item.number}")

    item_guid_is_permalink = False

    def item_pubdate(self, item: SummaryVersion):
        return item.published_at

    def item_updateddate(self, item: SummaryVersion):
        return item.published_at


def published_summaries_feed(request: HttpRequest) -> HttpResponse:
    """The feed, built for this request (its links take the request's address)."""
    return PublishedSummariesFeed(request)(request)
