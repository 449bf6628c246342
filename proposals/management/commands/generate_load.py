"""``manage.py generate_load --proposals N --users M``: realistic volume for benchmarks and tests.

French proposals over every axis and theme, by participants of every college,
with statuses (and their history), supports and threaded comments. Rows are
bulk-inserted for speed, but the text goes through the same sanitiser and
search normalisation as ``proposal_create``, and the denormalised counters are
recomputed from the rows at the end, so they are exact. Idempotent: proposals
and users carry stable keys; running it again tops up to N and M.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import College, User
from project.sanitizer import markdown_to_html
from proposals import board_cache
from proposals.models import Axis, Comment, Proposal, ProposalStatus, StatusChange, Support
from proposals.search import refresh_search_vector, search_text_for

USER_PREFIX = "charge-"
KEY_PREFIX = "load-"
BATCH = 1000

FIRST_NAMES = [
    "Camille",
    "Louis",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Manon",
    "Nathan",
    "Inès",
    "Jules",
    "Sarah",
    "Yanis",
    "Emma",
    "Karim",
    "Julie",
    "Mehdi",
    "Zoé",
    "Théo",
    "Amandine",
    "Rachid",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Faivre",
    "Vuillemin",
    "Peugeot",
    "Girardot",
    "Bouchot",
    "Cuenot",
    "Haddad",
    "Perrin",
    "Roy",
    "Mougin",
    "Courvoisier",
    "Dromard",
    "Oukil",
    "Jeanningros",
]
ACTIONS = [
    "Créer",
    "Développer",
    "Soutenir",
    "Financer",
    "Accompagner",
    "Requalifier",
    "Former",
    "Mutualiser",
    "Valoriser",
    "Expérimenter",
    "Structurer",
    "Ouvrir",
    "Relancer",
    "Animer",
]
TOPICS = {
    "environnement-accueil": [
        "les friches industrielles de Sochaux",
        "un guichet unique pour les entreprises",
        "des parcelles prêtes à bâtir",
        "des logements pour les apprentis",
        "l'accueil des nouveaux salariés",
    ],
    "mutation-automobile-mobilite": [
        "la diversification des sous-traitants",
        "des bus à hydrogène",
        "une filière de batteries",
        "le rétrofit électrique des véhicules",
        "les compétences en électronique embarquée",
    ],
    "filieres-avenir": [
        "la filière hydrogène",
        "les métiers d'art et la maroquinerie",
        "une école du luxe",
        "les énergies renouvelables locales",
        "l'industrie du médical",
    ],
    "marketing-territorial": [
        "une marque territoriale",
        "des portraits d'entrepreneurs",
        "des journées portes ouvertes d'usines",
        "l'image industrielle du Pays de Montbéliard",
        "l'accueil des porteurs de projets",
    ],
    "synergies-territoriales": [
        "la coopération avec Belfort et Héricourt",
        "une GPECT du Nord Franche-Comté",
        "le Forum Hydrogène",
        "des projets Territoires d'industrie",
        "des achats groupés entre communes",
    ],
    "gouvernance-souverainete": [
        "une Agence Territoriale de Souveraineté",
        "un fonds d'investissement territorial",
        "une clause de souveraineté dans les marchés publics",
        "l'épargne locale au service des PME",
    ],
    "intelligence-artificielle": [
        "une infrastructure de calcul partagée",
        "une charte d'IA éthique",
        "l'IA dans les ateliers",
        "la formation des PME à l'intelligence artificielle",
        "les données industrielles ouvertes",
    ],
    "former-massivement": [
        "la reconversion des salariés",
        "les métiers de demain",
        "l'apprentissage en alternance",
        "un campus des métiers de l'industrie",
        "la formation continue des techniciens",
    ],
}
PLACES = [
    "à Montbéliard",
    "à Audincourt",
    "à Valentigney",
    "à Étupes",
    "à Sochaux",
    "à Hérimoncourt",
    "à Bethoncourt",
    "dans tout le Pays de Montbéliard",
    "en Nord Franche-Comté",
    "à Seloncourt",
]
REASONS = [
    "Les habitant·es et les entreprises en parlent à chaque atelier.",
    "Les emplois industriels ont baissé de 10 % entre 2016 et 2020.",
    "Le chômage local (9,5 %) reste au-dessus de la moyenne régionale.",
    "D'autres territoires l'ont fait avec succès.",
    "C'est une condition pour attirer des actifs et des porteurs de projets.",
]
STEPS = [
    "- réunir les acteurs concernés ;",
    "- lancer une expérimentation d'un an ;",
    "- mesurer les résultats avec des indicateurs publics ;",
    "- associer les citoyen·nes au suivi ;",
    "- chercher des financements européens ;",
    "- s'appuyer sur l'université et les lycées professionnels ;",
]
COMMENTS = [
    "Très bonne idée, je soutiens.",
    "Qui porterait ce projet concrètement ?",
    "Il faudrait associer les PME dès le départ.",
    "Attention au coût pour les communes.",
    "On a déjà essayé quelque chose de proche à Audincourt, ça a bien marché.",
    "Et pour les personnes sans voiture ?",
    "Je suis d'accord, mais avec un calendrier précis.",
    "Les salariés concernés doivent être consultés.",
    "Ça rejoint la proposition sur la formation.",
]
NOT_RETAINED_REASONS = [
    "Hors des compétences de l'agglomération.",
    "Déjà couvert par une action en cours.",
    "Coût trop élevé au regard des bénéfices attendus.",
]
STATUS_WEIGHTS = [
    (ProposalStatus.SUBMITTED, 52),
    (ProposalStatus.UNDER_REVIEW, 20),
    (ProposalStatus.SHORTLISTED, 10),
    (ProposalStatus.RETAINED, 5),
    (ProposalStatus.NOT_RETAINED, 8),
    (ProposalStatus.MERGED, 5),
]
PATHS = {
    ProposalStatus.SUBMITTED: [],
    ProposalStatus.UNDER_REVIEW: ["under_review"],
    ProposalStatus.SHORTLISTED: ["under_review", "shortlisted"],
    ProposalStatus.RETAINED: ["under_review", "shortlisted", "retained"],
    ProposalStatus.NOT_RETAINED: ["under_review", "not_retained"],
    ProposalStatus.MERGED: ["merged"],
}


class Command(BaseCommand):
    help = "Crée un volume réaliste de propositions, soutiens et commentaires (benchmarks, tests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--proposals", type=int, default=1000)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2030)
        parser.add_argument("--max-supports", type=int, default=60)

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        rng = random.Random(options["seed"])
        users = self._users(options["users"], rng)
        created = self._proposals(options["proposals"], users, rng, options["max_supports"])
        # Bulk writes send no signals: the board's cache is told here.
        board_cache.changed()
        self.stdout.write(
            f"generate_load: {len(users)} participant·es, {created} nouvelles propositions "
            f"({Proposal.objects.filter(client_key__startswith=KEY_PREFIX).count()} au total) "
            f"en {time.monotonic() - started:.1f} s"
        )

    def _users(self, count: int, rng: random.Random) -> list[User]:
        existing = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
        colleges = (
            [College.CITIZENS] * 5
            + [College.ENTERPRISES] * 3
            + [College.ELECTED]
            + [College.CIVIL_SOCIETY] * 2
        )
        new = []
        for i in range(count):
            username = f"{USER_PREFIX}{i:05d}"
            if username in existing:
                continue
            user = User(
                username=username,
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                college=rng.choice(colleges),
                terms_accepted_at=timezone.now(),
            )
            user.set_unusable_password()
            new.append(user)
        User.objects.bulk_create(new, batch_size=BATCH)
        return list(
            User.objects.filter(username__startswith=USER_PREFIX).order_by("username")[:count]
        )

    def _text(self, axis: Axis, rng: random.Random) -> tuple[str, str]:
        topic = rng.choice(TOPICS.get(axis.slug, ["le territoire"]))
        title = f"{rng.choice(ACTIONS)} {topic} {rng.choice(PLACES)}"[:200]
        body = (
            f"**Pourquoi ?** {rng.choice(REASONS)} {rng.choice(REASONS)}\n\n"
            f"**Comment ?**\n\n" + "\n".join(rng.sample(STEPS, 3)) + "\n\n"
            f"Cette proposition concerne l'axe « {axis.short_title} »."
        )
        return title, body

    def _proposals(
        self, count: int, users: list[User], rng: random.Random, max_supports: int
    ) -> int:
        if not users:
            return 0
        axes = list(Axis.objects.all())
        have = set(
            Proposal.objects.filter(client_key__startswith=KEY_PREFIX).values_list(
                "client_key", flat=True
            )
        )
        todo = [i for i in range(count) if f"{KEY_PREFIX}{i}" not in have]
        now = timezone.now()
        statuses = [s for s, _w in STATUS_WEIGHTS]
        weights = [w for _s, w in STATUS_WEIGHTS]
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            with transaction.atomic():
                rows = []
                for i in chunk:
                    axis = axes[i % len(axes)]
                    author = rng.choice(users)
                    title, body = self._text(axis, rng)
                    body_html = markdown_to_html(body)
                    rows.append(
                        Proposal(
                            axis=axis,
                            title=title,
                            body=body,
                            body_html=body_html,
                            author=author,
                            author_college=author.college,
                            client_key=f"{KEY_PREFIX}{i}",
                            search_text=search_text_for(title, body_html),
                            status=rng.choices(statuses, weights)[0],
                        )
                    )
                created = Proposal.objects.bulk_create(rows, batch_size=BATCH)
                # Spread creation dates over the last 18 months (auto_now_add set them to now).
                for p in created:
                    p.created_at = p.updated_at = now - timedelta(
                        minutes=rng.randint(0, 60 * 24 * 540)
                    )
                Proposal.objects.bulk_update(
                    created, ["created_at", "updated_at"], batch_size=BATCH
                )
                self._history_supports_comments(created, users, rng, max_supports)
        self._finish()
        return len(todo)

    def _history_supports_comments(self, proposals, users, rng, max_supports) -> None:
        changes, supports, roots = [], [], []
        targets = [p for p in proposals if p.status != ProposalStatus.MERGED]
        for p in proposals:
            changes.append(
                StatusChange(proposal=p, actor=p.author, old_status="", new_status="submitted")
            )
            previous = "submitted"
            for step in PATHS[p.status]:
                reason = rng.choice(NOT_RETAINED_REASONS) if step == "not_retained" else ""
                changes.append(
                    StatusChange(proposal=p, old_status=previous, new_status=step, reason=reason)
                )
                previous = step
            if p.status == ProposalStatus.NOT_RETAINED:
                p.status_reason = changes[-1].reason
            if p.status == ProposalStatus.MERGED and targets:
                p.merged_into = rng.choice(targets)
                p.status_reason = "Doublon : regroupée avec une proposition proche."
                continue  # supports of a merged proposal live on its target
            n = min(int(rng.expovariate(1 / 6)), max_supports, len(users))
            for user in rng.sample(users, n):
                supports.append(Support(proposal=p, user=user, user_college=user.college))
            for _ in range(min(int(rng.expovariate(1 / 1.5)), 8)):
                author = rng.choice(users)
                text = rng.choice(COMMENTS)
                roots.append(
                    Comment(
                        proposal=p,
                        author=author,
                        author_college=author.college,
                        body=text,
                        body_html=markdown_to_html(text),
                    )
                )
        Proposal.objects.bulk_update(proposals, ["merged_into", "status_reason"], batch_size=BATCH)
        StatusChange.objects.bulk_create(changes, batch_size=BATCH)
        Support.objects.bulk_create(supports, batch_size=BATCH, ignore_conflicts=True)
        Comment.objects.bulk_create(roots, batch_size=BATCH)
        replies = []
        for root in rng.sample(roots, len(roots) // 4):
            author = rng.choice(users)
            text = rng.choice(COMMENTS)
            replies.append(
                Comment(
                    proposal_id=root.proposal_id,
                    parent=root,
                    author=author,
                    author_college=author.college,
                    body=text,
                    body_html=markdown_to_html(text),
                )
            )
        Comment.objects.bulk_create(replies, batch_size=BATCH)

    def _finish(self) -> None:
        """Counters from the rows themselves (exact), then the French search vectors."""
        load = Proposal.objects.filter(client_key__startswith=KEY_PREFIX)
        support_counts = (
            Support.objects.filter(proposal=OuterRef("pk"))
            .order_by()
            .values("proposal")
            .annotate(n=Count("pk"))
            .values("n")
        )
        comment_counts = (
            Comment.objects.filter(proposal=OuterRef("pk"), is_deleted=False, is_hidden=False)
            .order_by()
            .values("proposal")
            .annotate(n=Count("pk"))
            .values("n")
        )
        with transaction.atomic():
            load.update(
                support_count=Coalesce(Subquery(support_counts), Value(0)),
                comment_count=Coalesce(Subquery(comment_counts), Value(0)),
            )
            refresh_search_vector(load.filter(Q(search_vector__isnull=True)))
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics and visibility map after the bulk load, as autovacuum would
            # do later: the board's index-only scans and plans depend on them.
            with connection.cursor() as cursor:
                for table in ("proposals_proposal", "proposals_support", "proposals_comment"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
