from __future__ import annotations

from django.urls import path

from votes import views

app_name = "votes"

urlpatterns = [
    path("votes/", views.session_list, name="list"),
    path("votes/nouveau/", views.session_create, name="create"),
    path("votes/<id:pk>/", views.session_detail, name="detail"),
    path("votes/<id:pk>/bulletin/", views.ballot_submit, name="ballot"),
    path("votes/<id:pk>/resultats/", views.session_results, name="results"),
    path("votes/<id:pk>/resultats.svg", views.session_results_svg, name="results_svg"),
    path("votes/<id:pk>/gerer/", views.session_manage, name="manage"),
    path("votes/<id:pk>/resultats/partiel/", views.session_results_partial, name="results_partial"),
    path("votes/atelier/<slug:slug>/panneau/", views.room_panel_partial, name="room_panel"),
    path(
        "votes/atelier/<slug:slug>/projection/",
        views.projector_panel_partial,
        name="projector_panel",
    ),
]
