from django.urls import path

from summaries import opendata_views, views
from summaries.feeds import published_summaries_feed

app_name = "summaries"

urlpatterns = [
    path("syntheses/", views.summary_list, name="list"),
    path("syntheses/flux.atom", published_summaries_feed, name="feed"),
    path("syntheses/nouvelle/", views.summary_create, name="create"),
    path(
        "syntheses/atelier/<slug:workshop_slug>/",
        views.summary_create_for_workshop,
        name="create_for_workshop",
    ),
    path("syntheses/<slug:slug>/", views.summary_detail, name="detail"),
    path("syntheses/<slug:slug>.pdf", views.summary_pdf, name="pdf"),
    path("syntheses/<slug:slug>/v<id:number>/", views.summary_version, name="version"),
    path("syntheses/<slug:slug>/v<id:number>.pdf", views.summary_pdf, name="version_pdf"),
    path("syntheses/<slug:slug>/modifier/", views.summary_edit, name="edit"),
    path("syntheses/<slug:slug>/apercu/", views.summary_preview, name="preview"),
    path("syntheses/<slug:slug>/apercu-direct/", views.summary_live_preview, name="live_preview"),
    path("donnees/", views.open_data, name="open_data"),
    # Before the downloads: « datapackage.json » would read as a dataset and a format.
    path("donnees/datapackage.json", opendata_views.data_package, name="open_data_package"),
    path(
        "donnees/schemas/<slug:dataset>.json",
        opendata_views.table_schema,
        name="open_data_schema",
    ),
    path("donnees/<slug:dataset>.<str:fmt>", views.open_data_export, name="open_data_export"),
]
