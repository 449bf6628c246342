"""Demo: a published summary of the demo workshop (once the workshops demo provides a held one)."""

from __future__ import annotations

from summaries.models import DecisionSummary, Scope
from summaries.services import summary_create, summary_draft_update, summary_publish

INTRO = (
    "Le Codev remercie les participant·es de cet atelier consacré au foncier et aux friches "
    "industrielles, premier axe de PMA 2030 : **un environnement d'accueil optimum**.\n\n"
    "Cette synthèse rassemble ce qui a été dit, voté et décidé, et ce qui va suivre."
)
NEXT_STEPS = (
    "Le Codev présentera ces recommandations au bureau communautaire de PMA. "
    "Un point d'étape public sur les friches requalifiées sera publié sur cette plateforme."
)


def seed(ctx: dict) -> None:
    workshop = ctx.get("live_workshop")
    if workshop is None:
        # The workshops demo has no held workshop yet: nothing honest to summarise.
        return
    editor = ctx["editor"]
    summary = DecisionSummary.objects.filter(workshop=workshop, scope=Scope.WORKSHOP).first()
    if summary is None:
        summary = summary_create(actor=editor, scope=Scope.WORKSHOP, workshop=workshop)
        sections = [
            {**s, "note": NEXT_STEPS if s["key"] == "next_steps" else s.get("note", "")}
            for s in summary.sections
        ]
        summary_draft_update(
            summary=summary, actor=editor, title=summary.title, intro=INTRO, sections=sections
        )
    if summary.current_version_id is None:
        summary_publish(summary=summary, actor=editor)
    ctx["published_summary"] = summary
