from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<uuid:account_id>/", views.webhook, name="webhook"),
]
