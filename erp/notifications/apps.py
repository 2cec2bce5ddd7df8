from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "erp.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from erp.core import events

        from .delivery import on_notification_created
        from .events import NOTIFICATION_CREATED

        # e-mail, SMS and Web Push on the channels each user chose, after the commit
        events.subscribe(NOTIFICATION_CREATED, on_notification_created)
