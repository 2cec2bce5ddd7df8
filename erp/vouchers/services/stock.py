"""Stock: vouchers handed to agents and back to the office."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.accounts.roles import Role

from ..choices import (
    VoucherEventKind,
    VoucherStatus,
)
from ..models import Voucher, VoucherEvent
from .lifecycle import _log


# --- stock ------------------------------------------------------------------------------------
def _stock(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """Unused vouchers of a (possibly selector-made) queryset, ready to lock."""
    return vouchers.filter(status=VoucherStatus.UNUSED).select_related(None).prefetch_related(None)


@transaction.atomic
def assign_to_agent(
    *, actor: User, agent: User, vouchers: QuerySet[Voucher], note: str = ""
) -> int:
    """Give unused office or agent stock to an agent who sells at the vouchers' site."""
    if not agent.has_role(Role.AGENT) or not agent.is_active:
        raise ValidationError({"agent": _("Vouchers can be assigned only to an active agent.")})
    chosen = list(_stock(vouchers).select_for_update().only("pk", "agent_id", "site_id"))
    if not chosen:
        raise ValidationError(_("No unused vouchers match."))
    sites = {v.site_id for v in chosen}
    allowed = set(agent.agent_sites.filter(pk__in=sites).values_list("pk", flat=True))
    if sites - allowed:
        raise ValidationError(
            {
                "agent": _("%(agent)s does not sell at every site of these vouchers.")
                % {"agent": agent}
            }
        )
    kinds = {
        v.pk: (VoucherEventKind.TRANSFERRED if v.agent_id else VoucherEventKind.ASSIGNED)
        for v in chosen
    }
    now = timezone.now()
    Voucher.objects.filter(pk__in=[v.pk for v in chosen]).update(agent=agent, assigned_at=now)
    VoucherEvent.objects.bulk_create(
        [
            VoucherEvent(
                voucher_id=v.pk,
                kind=kinds[v.pk],
                at=now,
                actor=actor,
                note=(note or f"to {agent.username}")[:200],
            )
            for v in chosen
        ],
        batch_size=2000,
    )
    return len(chosen)


@transaction.atomic
def return_to_office(*, actor: User, vouchers: QuerySet[Voucher], note: str = "") -> int:
    chosen = list(_stock(vouchers).filter(agent__isnull=False).select_for_update().only("pk"))
    Voucher.objects.filter(pk__in=[v.pk for v in chosen]).update(
        agent=None, assigned_at=timezone.now()
    )
    _log(chosen, VoucherEventKind.RETURNED, actor, note)
    return len(chosen)
