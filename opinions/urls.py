from django.urls import path

from opinions import views

app_name = "opinions"

urlpatterns = [
    path("opinions/", views.conversation_list, name="list"),
    path("opinions/nouvelle/", views.conversation_create, name="create"),
    path("opinions/<id:pk>/", views.conversation_detail, name="detail"),
    path("opinions/<id:pk>/carte/", views.conversation_map, name="map"),
    path("opinions/<id:pk>/affirmations/", views.statement_create, name="statement_create"),
    path("opinions/<id:pk>/moderation/", views.moderation, name="moderation"),
    path("opinions/affirmations/<id:sid>/vote/", views.statement_vote, name="vote"),
    path(
        "opinions/affirmations/<id:sid>/masquer/",
        views.statement_moderate,
        {"verb": "hide"},
        name="hide",
    ),
    path(
        "opinions/affirmations/<id:sid>/retablir/",
        views.statement_moderate,
        {"verb": "restore"},
        name="restore",
    ),
    path("opinions/affirmations/<id:sid>/proposition/", views.statement_promote, name="promote"),
    path(
        "opinions/affirmations/<id:sid>/recommandation/",
        views.statement_recommend,
        name="recommend",
    ),
]
