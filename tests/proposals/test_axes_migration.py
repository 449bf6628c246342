from __future__ import annotations

import pytest

from proposals.models import Axis


@pytest.mark.django_db
def test_the_five_axes_and_three_themes_are_loaded_in_order():
    axes = list(Axis.objects.strategic().values_list("number", "title"))
    assert [n for n, _ in axes] == [1, 2, 3, 4, 5]
    assert axes[0][1] == "Un environnement d'accueil optimum (foncier & services)"
    assert axes[2][1] == "Accélérer la diversification vers les filières d'avenir"
    themes = list(Axis.objects.transversal().values_list("title", flat=True))
    assert themes == [
        "Gouvernance & souveraineté",
        "Intelligence artificielle (IA)",
        "Former massivement",
    ]


@pytest.mark.django_db
def test_every_axis_has_a_description_from_the_document():
    assert not Axis.objects.filter(description="").exists()
    assert "friches industrielles" in Axis.objects.get(number=1).description
    assert "GPECT" in Axis.objects.get(number=5).description
