"""Atom feed of published summaries: one entry per published version (corrections included)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from project.sanitizer import plain_text
from summaries.models import SummaryVersion

FEED_SIZE = 30


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
        text = plain_text(item.intro_html)[:600]
        if item.change_note:
            prefix = str(_("Correction :"))
            text = f"{prefix} {item.change_note}\n\n{text}"
        return text

    def item_link(self, item: SummaryVersion) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: SummaryVersion) -> str:
        return f"{item.get_absolute_url()}#v{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: SummaryVersion):
        return item.published_at

    def item_updateddate(self, item: SummaryVersion):
        return item.published_at
