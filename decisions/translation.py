"""Fields of indicators and recommendations that exist in French and in English.

The Markdown texts of recommendations and action items (cleaned to HTML at write time) stay in
one language: only their titles, which lists and charts show, have an English column.
"""

from modeltranslation.translator import TranslationOptions, register

from decisions.models import ActionItem, Indicator, Recommendation


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "description", "unit", "context_note")
    required_languages = ("fr",)


@register(Recommendation)
class RecommendationTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("fr",)


@register(ActionItem)
class ActionItemTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("fr",)
