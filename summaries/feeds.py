"""Atom feed of published summaries: one entry per published version (corrections included)."""

from __future__ import annotations

import html

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from project.sanitizer import clean_html, plain_text
from summaries.models import SummaryVersion

FEED_SIZE = 30
INTRO_LENGTH = 600


class PublishedSummariesFeed(Feed):
    feed_type = Atom1Feed
    title = _("Synthèses publiées par le Codev du Pays de Montbéliard")
    subtitle = _("Les synthèses des ateliers et des travaux du Codev, avec leurs corrections.")

    def link(self):
        return reverse("summaries:list")

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
        nothing an editor typed reaches a reader as markup (issue 22, hole 6).
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
        return item.get_absolute_url()

    def item_guid(self, item: SummaryVersion) -> str:
        return f"{item.get_absolute_url()}#v{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: SummaryVersion):
        return item.published_at

    def item_updateddate(self, item: SummaryVersion):
        return item.published_at
