"""The home page shows a living process: live workshop, next ones, decisions, actions, indicators."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape


@pytest.fixture
def indicators(db):
    from decisions.demo import seed_indicators

    ctx: dict = {}
    seed_indicators(ctx)
    return ctx["indicators"]


_n = {"i": 0}


def _workshop(state, *, visibility="public", starts_in=timedelta(days=3), title=None):
    from workshops.models import Workshop

    _n["i"] += 1
    i = _n["i"]
    return Workshop.objects.create(
        title=title or f"Atelier {i}",
        slug=f"atelier-home-{i}",
        join_code=f"HOM{i:03d}",
        state=state,
        visibility=visibility,
        starts_at=timezone.now() + starts_in,
        started_at=timezone.now() if state == "live" else None,
    )


def _published(editor, axis, title):
    from decisions.services import recommendation_create, recommendation_status_change

    rec = recommendation_create(actor=editor, title=title, axis=axis, body="Texte.", proposals=[])
    recommendation_status_change(recommendation=rec, actor=editor, new_status="adopted")
    return recommendation_status_change(recommendation=rec, actor=editor, new_status="published")


def _update(editor, rec, title, progress=40):
    from decisions.services import action_create, action_report

    action = action_create(actor=editor, recommendation=rec, title=title, owner_name="PMA")
    action_report(
        action=action, actor=editor, text="Premier point.", progress=progress, status="in_progress"
    )
    return action


@pytest.mark.django_db
def test_no_live_workshop_no_live_banner_but_the_next_ones(client):
    _workshop("scheduled", title="Atelier mobilités douces")
    _workshop("scheduled", title="Atelier privé", visibility="private")

    page = client.get("/").content.decode()

    assert "En direct maintenant" not in page
    assert "Prochains ateliers" in page
    assert "Atelier mobilités douces" in page
    assert "Atelier privé" not in page


@pytest.mark.django_db
def test_a_live_public_workshop_is_one_tap_away(client, user):
    live = _workshop("live", title="Atelier hydrogène en salle")
    _workshop("live", title="Atelier à huis clos", visibility="private")

    page = client.get("/").content.decode()

    assert "En direct maintenant" in page
    assert "Atelier hydrogène en salle" in page
    assert f'href="/rejoindre/?code={live.join_code}"' in page
    assert "Atelier à huis clos" not in page

    from workshops.services import workshop_join

    workshop_join(workshop=live, user=user)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "Entrer dans la salle" in page
    assert f'href="{live.get_absolute_url()}"' in page


@pytest.mark.django_db
def test_latest_decisions_and_action_updates_only_public_ones(client, editor, axis):
    from decisions.services import recommendation_create

    rec = _published(editor, axis, "Créer une agence territoriale")
    draft = recommendation_create(
        actor=editor, title="Brouillon secret", axis=axis, body=".", proposals=[]
    )
    _update(editor, rec, "Préfigurer l'agence", progress=40)
    _update(editor, draft, "Action d'un brouillon")

    page = client.get("/").content.decode()

    assert "Créer une agence territoriale" in page
    assert rec.get_absolute_url() in page
    assert escape("Préfigurer l'agence") in page
    assert "40 % réalisé" in page
    assert "Brouillon secret" not in page
    assert escape("Action d'un brouillon") not in page


@pytest.mark.django_db
def test_the_four_founding_indicators_with_latest_value_and_trend(client, editor, indicators):
    from decisions.models import Indicator
    from decisions.services import measurement_record

    employment = indicators["emploi-filieres-diversification"]
    Indicator.objects.filter(pk=employment.pk).update(
        baseline_value=1, baseline_date=date(2024, 1, 1), target_2030=5
    )
    measurement_record(
        indicator=employment, actor=editor, on=date(2025, 1, 1), value="1.5", source="Insee"
    )
    measurement_record(
        indicator=employment, actor=editor, on=date(2026, 1, 1), value="2.25", source="Insee"
    )

    page = client.get("/").content.decode()

    assert "Les 4 indicateurs de réussite de PMA 2030" in page
    for slug in (
        "emploi-filieres-diversification",
        "foncier-friches-requalifiees",
        "innovation-projets-finances",
        "formation-diplomes-nouveaux-metiers",
    ):
        assert f'href="/indicateurs/{slug}/"' in page
    assert "taux-chomage-local" not in page  # a context indicator: not one of the 4
    assert "<strong>2,25</strong> %" in page
    assert "home-indicator__change--good" in page  # went up, and up is the good way
    assert "+0,75 %" in page
    assert "Pas encore de mesure." in page  # the 3 others


@pytest.mark.django_db
def test_home_queries_do_not_grow_with_rows(
    client, user, editor, axis, indicators, django_assert_max_num_queries
):
    from decisions.services import measurement_record
    from workshops.services import workshop_join

    def add(tag):
        live = _workshop("live", title=f"Direct {tag}")
        workshop_join(workshop=live, user=user)
        _workshop("scheduled", title=f"Bientôt {tag}")
        rec = _published(editor, axis, f"Décision {tag}")
        _update(editor, rec, f"Action {tag}")

    add("a")
    for n, indicator in enumerate(indicators.values()):
        measurement_record(
            indicator=indicator, actor=editor, on=date(2025, 1, 1), value=n, source="Insee"
        )
    client.force_login(user)
    client.get("/")
    with django_assert_max_num_queries(12) as few:  # 12 measured, signed in with a live workshop
        client.get("/")
    for tag in "bcdefg":
        add(tag)
    for indicator in indicators.values():
        measurement_record(
            indicator=indicator, actor=editor, on=date(2026, 1, 1), value=9, source="Insee"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/").content.decode()
    assert page.count("Entrer dans la salle") == 7


@pytest.mark.django_db
def test_an_empty_process_still_says_so(client):
    page = client.get("/").content.decode()
    assert "Les 5 axes" in page
    assert "Aucun atelier programmé pour le moment." in page
    assert "Aucune recommandation publiée pour l&#x27;instant." in page or (
        "Aucune recommandation publiée pour l'instant." in page
    )
