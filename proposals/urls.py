from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("axes/<slug:slug>/", views.axis_detail, name="axis"),
]
