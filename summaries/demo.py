"""Demo: the Codev's published summary of the live demo workshop (filières d'avenir).

Runs after the workshops, votes and decisions demos, so the summary carries
their participants, ideas, vote and recommendations. Idempotent: the summary
is created and published once.
"""

from __future__ import annotations

from summaries.models import DecisionSummary, Scope
from summaries.services import summary_create, summary_draft_update, summary_publish

INTRO = (
    "Le Codev remercie les participant·es de cette première séance consacrée à l'axe 3 de "
    "PMA 2030, **accélérer la diversification vers les filières d'avenir** : l'hydrogène et "
    "le luxe / savoir-faire (maroquinerie, métiers d'art).\n\n"
    "Citoyen·nes, entreprises, élu·es et acteurs de la formation ont déposé leurs idées, en "
    "salle et en ligne, puis les ont départagées au jugement majoritaire. Cette synthèse "
    "rassemble ce qui a été dit, voté et décidé, et ce qui va suivre."
)
NOTES = {
    "votes": (
        "Le vote au jugement majoritaire permet à chacun·e d'évaluer toutes les idées ; "
        "le classement tient compte de l'ensemble des mentions, pas seulement des premières."
    ),
    "next_steps": (
        "Le Codev présentera ces recommandations au bureau communautaire de PMA. Une deuxième "
        "séance, consacrée à la formation aux métiers de l'hydrogène, sera annoncée ici."
    ),
}


PAST_INTRO = (
    "Pour la première soirée de PMA 2030, le Codev a présenté les 5 axes de la stratégie et "
    "demandé à chacun·e par où commencer. Voici les idées déposées ce soir-là ; elles sont "
    "depuis sur le tableau des propositions, ouvertes aux soutiens et aux commentaires."
)


def seed(ctx: dict) -> None:
    _seed_past(ctx)
    workshop = ctx.get("live_workshop")
    if workshop is None:
        return  # no demo workshop to summarise
    editor = ctx["editor"]
    summary = DecisionSummary.objects.filter(workshop=workshop, scope=Scope.WORKSHOP).first()
    if summary is None:
        summary = summary_create(actor=editor, scope=Scope.WORKSHOP, workshop=workshop)
        sections = [{**s, "note": NOTES.get(s["key"], "")} for s in summary.sections]
        summary_draft_update(
            summary=summary, actor=editor, title=summary.title, intro=INTRO, sections=sections
        )
    if summary.current_version_id is None:
        summary_publish(summary=summary, actor=editor)
    ctx["published_summary"] = summary


def _seed_past(ctx: dict) -> None:
    """The launch workshop's summary, published ten days after the evening (the demo's
    timeline dates it)."""
    workshop = ctx.get("past_workshop")
    if workshop is None:
        return
    editor = ctx["editor"]
    summary = DecisionSummary.objects.filter(workshop=workshop, scope=Scope.WORKSHOP).first()
    if summary is None:
        summary = summary_create(actor=editor, scope=Scope.WORKSHOP, workshop=workshop)
        summary_draft_update(
            summary=summary,
            actor=editor,
            title=summary.title,
            intro=PAST_INTRO,
            sections=summary.sections,
        )
    if summary.current_version_id is None:
        summary_publish(summary=summary, actor=editor)
