from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path("actions/", views.actions, name="actions"),
    path("actions/<id:pk>/", views.action_detail, name="action"),
    path("actions/<id:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<id:pk>/point-d-etape/", views.action_report, name="action_report"),
    path("actions/<id:pk>/trace/", views.action_trace_page, name="action_trace"),
    path("actions/<id:pk>/trace.svg", views.action_trace_svg, name="action_trace_svg"),
    path("actions/<id:pk>/trace.csv", views.action_trace_csv, name="action_trace_csv"),
    path("recommandations/", views.recommendations, name="recommendations"),
    path("recommandations/nouvelle/", views.recommendation_create, name="recommendation_create"),
    path("recommandations/<id:pk>/", views.recommendation_detail, name="recommendation"),
    path(
        "recommandations/<id:pk>/modifier/", views.recommendation_edit, name="recommendation_edit"
    ),
    path(
        "recommandations/<id:pk>/statut/",
        views.recommendation_status,
        name="recommendation_status",
    ),
    path(
        "recommandations/<id:pk>/sources/choisir/",
        views.recommendation_source_pick,
        name="recommendation_source_pick",
    ),
    path(
        "recommandations/<id:pk>/sources/chercher/",
        views.recommendation_source_search,
        name="recommendation_source_search",
    ),
    path(
        "recommandations/<id:pk>/votes/<id:link_pk>/retirer/",
        views.recommendation_vote_remove,
        name="recommendation_vote_remove",
    ),
    path(
        "recommandations/depuis/<slug:kind>/<id:pk>/",
        views.recommendation_from,
        name="recommendation_from",
    ),
    path(
        "recommandations/<id:pk>/sources/<id:source_pk>/retirer/",
        views.recommendation_source_remove,
        name="recommendation_source_remove",
    ),
    path("recommandations/<id:pk>/actions/nouvelle/", views.action_create, name="action_create"),
    path(
        "recommandations/<id:pk>/trace/",
        views.recommendation_trace_page,
        name="recommendation_trace",
    ),
    path(
        "recommandations/<id:pk>/trace.svg",
        views.recommendation_trace_svg,
        name="recommendation_trace_svg",
    ),
    path(
        "recommandations/<id:pk>/trace.csv",
        views.recommendation_trace_csv,
        name="recommendation_trace_csv",
    ),
    path("indicateurs/", views.indicators, name="indicators"),
    path("indicateurs/nouveau/", views.indicator_create, name="indicator_create"),
    path("indicateurs/<slug:slug>/", views.indicator_detail, name="indicator"),
    path("indicateurs/<slug:slug>/modifier/", views.indicator_edit, name="indicator_edit"),
    path("indicateurs/<slug:slug>/mesures/", views.indicator_measure, name="indicator_measure"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("suivre/<slug:kind>/<id:pk>/", views.follow, name="follow"),
]
