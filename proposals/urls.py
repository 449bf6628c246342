from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("axes/<slug:slug>/", views.axis_detail, name="axis"),
    path("propositions/", views.board, name="board"),
    path("propositions/nouvelle/", views.proposal_create, name="create"),
    path("propositions/apercu/", views.proposal_preview, name="preview"),
    path("propositions/moderation/", views.moderation_queue, name="moderation"),
    path("propositions/moderation/doublons/", views.duplicate_queue, name="duplicates"),
    path("propositions/similaires/", views.proposal_similar, name="similar"),
    path("propositions/<id:pk>/", views.proposal_detail, name="detail"),
    path("propositions/<id:pk>/modifier/", views.proposal_edit, name="edit"),
    path("propositions/<id:pk>/soutien/", views.proposal_support, name="support"),
    path("propositions/<id:pk>/statut/", views.proposal_status, name="status"),
    path("propositions/<id:pk>/fusion/", views.proposal_merge, name="merge"),
    path("propositions/<id:pk>/masquer/", views.proposal_moderate, {"verb": "hide"}, name="hide"),
    path(
        "propositions/<id:pk>/retablir/",
        views.proposal_moderate,
        {"verb": "restore"},
        name="restore",
    ),
    path("propositions/<id:pk>/signaler/", views.proposal_report, name="report"),
    path("propositions/<id:pk>/commentaires/", views.comment_create, name="comment_create"),
    path("commentaires/<id:pk>/modifier/", views.comment_edit, name="comment_edit"),
    path("commentaires/<id:pk>/supprimer/", views.comment_delete, name="comment_delete"),
    path("commentaires/<id:pk>/signaler/", views.comment_report, name="comment_report"),
    path(
        "commentaires/<id:pk>/masquer/",
        views.comment_moderate,
        {"verb": "hide"},
        name="comment_hide",
    ),
    path(
        "commentaires/<id:pk>/retablir/",
        views.comment_moderate,
        {"verb": "restore"},
        name="comment_restore",
    ),
    path("signalements/<id:pk>/classer/", views.report_dismiss, name="report_dismiss"),
]
