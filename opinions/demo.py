"""Demo opinion map (idempotent): a question on the « filières d'avenir » axis, statements
by the demo participants, their votes, and the analysis computed once."""

from __future__ import annotations

from opinions import services
from opinions.models import Conversation, Statement, StatementVote
from proposals.models import Axis

QUESTION = "Comment donner envie aux jeunes de travailler dans l'industrie du Pays de Montbéliard ?"

# author, text
STATEMENTS = [
    ("lucie.citoyenne", "Ouvrir les usines aux familles un samedi par mois"),
    ("pierre.h2", "Des stages rémunérés dès la seconde dans les PME"),
    ("jean.elu", "Un bus direct entre les lycées et les zones industrielles"),
    ("nathalie.equip", "Former les tuteurs en entreprise avant d'accueillir des apprentis"),
    ("marc.citoyen", "Les salaires d'embauche doivent augmenter avant tout"),
    ("paul.expert", "Un campus des métiers de l'hydrogène à Belfort-Montbéliard"),
    ("ines.citoyenne", "Parler d'écologie concrète : l'industrie qui répare et recycle"),
    ("fatima.elue", "Des logements pour apprentis près des sites de production"),
]

# Each voter: one vote per statement, in the order above (1 agree, -1 disagree, 0 pass).
VOTES = {
    "lucie.citoyenne": [None, 1, 1, 0, 1, -1, 1, 1],
    "marc.citoyen": [1, 1, 1, -1, None, -1, 1, 1],
    "ines.citoyenne": [1, 0, 1, 0, 1, -1, None, 1],
    "thomas.citoyen": [1, 1, 1, -1, 1, 0, 1, 1],
    "nathalie.equip": [1, 1, 1, None, -1, 1, 0, 1],
    "pierre.h2": [1, None, 1, 1, -1, 1, 1, 1],
    "amelie.maroq": [0, 1, 1, 1, -1, 1, 1, 1],
    "jean.elu": [1, 1, None, 1, -1, 1, 0, 1],
    "fatima.elue": [1, 1, 1, 1, 0, 1, 1, None],
    "paul.expert": [1, 1, 1, 1, -1, None, 1, 1],
    "helene.asso": [1, 0, 1, 1, 1, -1, 1, 1],
}


def seed(ctx: dict) -> None:
    users = ctx["users"]
    axis = Axis.objects.filter(slug="filieres-avenir").first()
    conversation = Conversation.objects.filter(question=QUESTION).first()
    if conversation is None:
        conversation = services.conversation_create(
            actor=ctx["facilitator"],
            question=QUESTION,
            description="Écrivez une idée courte, votez sur celles des autres : "
            "la carte montre ce qui rassemble les collèges.",
            axis=axis,
        )
    statements = []
    for i, (author, text) in enumerate(STATEMENTS):
        statements.append(
            services.statement_create(
                conversation=conversation,
                author=users[author],
                text=text,
                client_key=f"demo-opinion-{i}",
            )
        )
    for username, values in VOTES.items():
        user = users.get(username)
        if user is None:
            continue
        for statement, value in zip(statements, values, strict=True):
            if value is None or statement.author.user_id == user.pk:
                continue
            if StatementVote.objects.filter(statement=statement, participant__user=user).exists():
                continue
            services.vote_cast(statement=statement, user=user, value=value)
    services.analysis_run(conversation)
    ctx["conversation"] = conversation
    ctx["statements"] = list(Statement.objects.filter(conversation=conversation))
