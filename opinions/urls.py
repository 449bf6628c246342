from django.urls import path

from opinions import views

app_name = "opinions"

urlpatterns = [
    path("opinions/", views.conversation_list, name="list"),
    path("opinions/nouvelle/", views.conversation_create, name="create"),
    path("opinions/<int:pk>/", views.conversation_detail, name="detail"),
    path("opinions/<int:pk>/carte/", views.conversation_map, name="map"),
    path("opinions/<int:pk>/affirmations/", views.statement_create, name="statement_create"),
    path("opinions/<int:pk>/moderation/", views.moderation, name="moderation"),
    path("opinions/affirmations/<int:sid>/vote/", views.statement_vote, name="vote"),
    path(
        "opinions/affirmations/<int:sid>/masquer/",
        views.statement_moderate,
        {"verb": "hide"},
        name="hide",
    ),
    path(
        "opinions/affirmations/<int:sid>/retablir/",
        views.statement_moderate,
        {"verb": "restore"},
        name="restore",
    ),
    path("opinions/affirmations/<int:sid>/proposition/", views.statement_promote, name="promote"),
]
