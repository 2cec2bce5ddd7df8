"""The notifications app's domain event: a notification was created for a user who chose a
channel besides the app (delivered by erp.notifications.delivery, subscribed in apps.py)."""

NOTIFICATION_CREATED = "notifications.created"
