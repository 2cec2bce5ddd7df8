"""Equipment: what stands at each site and what it cost."""

from __future__ import annotations

import pandas as pd
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from erp.assets.choices import AssetStatus
from erp.assets.models import Asset
from erp.core.money import to_money

from .fetch import rows
from .filters import Filters

COLUMNS = ["site", "site_name", "assets", "deployed", "in_repair", "value"]


def asset_value_by_site(filters: Filters) -> pd.DataFrame:
    """What equipment does each site hold, and what did it cost? Assets not retired, per
    site: count, how many are deployed and in repair, and value (the sum of purchase costs;
    an asset without a cost counts but adds nothing — as the assets app's inventory value).
    Equipment in the store or at repair with no site is its own line (site "") when no site
    is chosen. Current state: the period, agents and packages do not apply. Largest value
    first."""
    assets = filters.scoped(Asset.objects.exclude(status=AssetStatus.RETIRED))
    grouped = (
        assets.values_list("site", "site__name")
        .annotate(
            n=Count("pk"),
            deployed=Count("pk", filter=Q(status=AssetStatus.DEPLOYED)),
            repair=Count("pk", filter=Q(status=AssetStatus.IN_REPAIR)),
            value=Sum("purchase_cost"),
        )
        .order_by()
    )
    data = [
        [
            str(site) if site else "",
            name if site else _("No site (store, repair)"),
            n,
            deployed,
            repair,
            to_money(value or 0),
        ]
        for site, name, n, deployed, repair, value in rows(grouped)
    ]
    frame = pd.DataFrame(data, columns=COLUMNS)
    return frame.sort_values(["value", "site_name"], ascending=[False, True], ignore_index=True)
