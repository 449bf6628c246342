from django.urls import path

from accounts import tokens, views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("contributions/", views.contributions, name="contributions"),
    path("revendiquer/", views.claim, name="claim"),
    path("jetons/", tokens.tokens_page, name="tokens"),
    path("conditions/", views.terms, name="terms"),
    path("mes-donnees/", views.export_request, name="export"),
    path("mes-donnees/<str:token>/", views.export_download, name="export_download"),
    path("supprimer/", views.delete, name="delete"),
    path("journal/", views.audit_log, name="audit_log"),
    path("apercu-e-mails/", views.email_previews, name="email_previews"),
    path(
        "apercu-e-mails/<slug:name>/<str:lang>.<str:fmt>",
        views.email_preview,
        name="email_preview",
    ),
    path("journal/export.csv", views.audit_export, name="audit_export"),
]
