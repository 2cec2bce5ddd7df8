from django.urls import path

from . import views

app_name = "field_app"
urlpatterns = [
    path("", views.app_shell, name="shell"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]
