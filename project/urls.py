from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ops import views as ops_views
from project import ids, views

ids.register()  # <id:pk> in every app's URLconf, read by the include()s below

from project.api import api  # noqa: E402

admin.site.site_header = "Agir Ensemble — administration"
admin.site.site_title = "Agir Ensemble"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", ops_views.live, name="healthz_live"),
    path("healthz/ready", ops_views.ready, name="healthz_ready"),
    path("metrics", ops_views.metrics_view, name="metrics"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("compte/", include("accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("proposals.urls")),
    path("", include("workshops.urls")),
    path("", include("votes.urls")),
    path("", include("decisions.urls")),
    path("", include("summaries.urls")),
    path("", include("opinions.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
