from django.urls import path

from workshops import views, views_console, views_manage

app_name = "workshops"

urlpatterns = [
    path("ateliers/", views.workshop_list, name="list"),
    path("rejoindre/", views.join, name="join"),
    # Before the room: "nouveau" is a page, not a workshop's slug.
    path("ateliers/nouveau/", views_manage.workshop_create, name="create"),
    path("ateliers/<slug:slug>/", views.room, name="room"),
    path("ateliers/<slug:slug>/modifier/", views_manage.workshop_edit, name="edit"),
    path("ateliers/<slug:slug>/invitations/", views_manage.workshop_invite, name="invite"),
    path("ateliers/<slug:slug>/ecran/", views.projector, name="projector"),
    path("ateliers/<slug:slug>/ecran/carte/", views.stage_opinions, name="stage_opinions"),
    path("ateliers/<slug:slug>/qr.svg", views.qr_code, name="qr"),
    path("ateliers/<slug:slug>/idees/", views.idea_create, name="idea_create"),
    path("ateliers/<slug:slug>/idees/proches/", views.idea_similar, name="idea_similar"),
    path("ateliers/<slug:slug>/reactions/", views.reaction, name="reaction"),
    path("ateliers/<slug:slug>/main/", views.hand, name="hand"),
    path("ateliers/<slug:slug>/console/<slug:op>/", views.console, name="console"),
    path("ateliers/<slug:slug>/regroupement/", views.grouping_panel, name="grouping"),
    path(
        "ateliers/<slug:slug>/regroupement/<slug:op>/",
        views.grouping_action,
        name="grouping_action",
    ),
    # The facilitator's presenter console (run sheet + stage preview).
    path("ateliers/<slug:slug>/animer/", views_console.console_page, name="console_page"),
    path("ateliers/<slug:slug>/animer/apercu/", views_console.stage_preview, name="stage_preview"),
    path(
        "ateliers/<slug:slug>/animer/dupliquer/",
        views_console.workshop_duplicate,
        name="duplicate",
    ),
    path(
        "ateliers/<slug:slug>/animer/<slug:op>/",
        views_console.console_action,
        name="console_action",
    ),
]
