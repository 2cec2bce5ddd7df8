from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "erp.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_migrate, post_save

        from .models import User
        from .signals import forget_site_scope, revoke_tokens_on_password_change

        post_save.connect(
            revoke_tokens_on_password_change,
            sender=User,
            dispatch_uid="accounts.revoke_tokens_on_password_change",
        )
        m2m_changed.connect(
            forget_site_scope,
            sender=User.site_scope.through,
            dispatch_uid="accounts.forget_site_scope",
        )
        post_migrate.connect(
            sync_after_migrate, sender=self, dispatch_uid="accounts.sync_after_migrate"
        )


def sync_after_migrate(sender, using="default", **kwargs) -> None:
    """After every migrate (and a test database's flush) the roles and the periodic jobs match
    the code, as `manage.py sync_roles_and_schedules` would make them."""
    from erp.accounts.services import sync_roles
    from erp.core.schedules import sync_schedules

    if using != "default":
        return
    sync_roles()
    sync_schedules()
