from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("webhooks/<uuid:gateway_id>/", views.webhook, name="webhook"),
]
