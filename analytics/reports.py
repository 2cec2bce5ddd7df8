"""The finance reports as tables: sales, commission statements, remittances, expenses, profit.

A report is built once, here, and rendered three ways (screen, Excel, PDF) by `exports`, so a
figure never differs between them. Each builder takes the person asking and narrows what it
reads to what that person may see: an agent gets the agent's own sales, statement and
remittances; expenses and profit are for Finance and Super Admin.

The reports read several domain apps and the rollups (statements, profit), so they live in the
analytics layer, with their files, schedules and jobs; their records (ScheduledExport,
ExportRun, ReportJob) stay in erp.finance, and their pages and URLs under Finance.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.accounts.models import User
from erp.core.money import to_money
from erp.finance.choices import ExpenseStatus
from erp.finance.models import Expense
from erp.finance.selectors import expenses_visible_to
from erp.sales.choices import PaymentMethod, SaleChannel
from erp.sales.models import Refund
from erp.sales.selectors import remittances_visible_to, sales_visible_to
from erp.sites.selectors import sites_visible_to

from . import finance as analytics_finance
from . import rollups, sales_summaries
from .agents import agent_figures
from .filters import Filters, analytics_sites
from .finance import expenses_by_category

Kind = Literal["text", "money", "int", "date", "datetime"]
MAX_DAYS = 366


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    total: bool = False


@dataclass
class Section:
    """One table: a sheet in Excel, a table in the PDF. `detail` tables can be long; the PDF
    leaves out a detail table longer than it can sensibly print and points to the Excel file."""

    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    detail: bool = False
    flag: Callable[[list[Any]], bool] | None = None  # rows to highlight, e.g. money owed
    # the section's number of rows when ``rows`` holds only the first ones (a preview)
    size: int | None = None

    def totals(self) -> list[Any] | None:
        """The total of each summed column (None elsewhere), or None if nothing is summed."""
        if not any(c.total for c in self.columns):
            return None
        out: list[Any] = [None] * len(self.columns)
        for i, column in enumerate(self.columns):
            if column.total:
                values = (row[i] or 0 for row in self.rows)
                out[i] = sum(values, Decimal(0)) if column.kind == "money" else sum(values)
        return out


@dataclass
class Report:
    key: str
    title: str
    start: dt.date
    end: dt.date  # exclusive
    sections: list[Section]
    generated_by: str = ""
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def filename_stem(self) -> str:
        return f"{self.key}-{self.start}-{self.last_day}"


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """A report covers start ≤ day < end, at most a year (a bigger file helps nobody)."""
    if start is None or end is None or end <= start:
        raise ValidationError(
            {"period": _("Give a start and an end date, the end after the start.")}
        )
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"period": _("A report covers at most one year.")})
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


def _local(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: write the local wall-clock time the office reads."""
    return timezone.localtime(value).replace(tzinfo=None)


def profit_by_site(
    *, start: dt.date, end: dt.date, actor: User | None = None
) -> list[dict[str, Any]]:
    """Per site, for days start ≤ day < end: revenue − refunds − commission − expenses;
    head-office expenses (no site) are their own line, last. An actor with a site scope gets
    only their sites, without head office (as on the dashboard); no actor: every site.

    The rows of analytics.finance.profit_by_site, the function the Finance dashboard draws,
    read after the rollups are brought up to this moment (rollups.refresh: the days touched
    since its last run, well under a second at 10 million sales) — so the API, the Excel and
    PDF exports and the dashboard give the same figures, and an export is never minutes old.
    """
    rollups.refresh(wait=False)
    frame = analytics_finance.profit_by_site(
        Filters(start=start, end=end, sites=analytics_sites(actor))
    )
    return [
        {**row, "site": UUID(row["site"]) if row["site"] else None}
        for row in frame.to_dict("records")
    ]


# --- the reports --------------------------------------------------------------------------------
# The reports page shows a detail table of at most this many rows (longer ones: "take the
# Excel file"); its preview fetches one more to know, and counts the rest.
PREVIEW_ROWS = 200


def _detail_rows(rows_query, preview: bool, count: Callable[[], int]) -> tuple[list, int | None]:
    """A detail table's rows, and its size when only the first are fetched: for the page's
    preview, the first PREVIEW_ROWS + 1 and ``count()`` (a COUNT of the same rows without
    the joins of the columns, or the rollups' sum of them) instead of every row (at 1,000
    sites a month's sales are ~290,000 rows, 30 s to fetch and format for a page that shows
    none of them)."""
    if not preview:
        return list(rows_query), None
    first = list(rows_query[: PREVIEW_ROWS + 1])
    if len(first) <= PREVIEW_ROWS:
        return first, None
    return first, count()


def sales_report(*, actor: User, start: dt.date, end: dt.date, preview: bool = False) -> Report:
    """Every sale and refund of the period with summaries by site, seller, package, payment
    method and channel (agent, desk, online)."""
    if not actor.has_perm("sales.view_sale"):
        raise PermissionDenied
    lo, hi = _bounds(start, end)
    sales = sales_visible_to(actor).filter(sold_at__gte=lo, sold_at__lt=hi)
    refunds_of_period = Refund.objects.filter(refunded_at__gte=lo, refunded_at__lt=hi)
    # the refunds of the sales the person sees; by the sale's site when the scope is by site
    # (a join: 17 ms for a month at 100 sites, where "sale in (every sale the person sees)"
    # took 86 ms, and 2 s when the planner misjudged the scope's size)
    sites = sales_summaries.rollup_sites(actor)
    if sites is None:
        refunds_of_period = refunds_of_period.filter(sale__in=sales_visible_to(actor))
    elif sites != sales_summaries.EVERY_SITE:
        refunds_of_period = refunds_of_period.filter(sale__site__in=sites)
    methods = dict(PaymentMethod.choices)
    channels = dict(SaleChannel.choices)
    # the days the rollups hold exactly come from them, the rest from the sales: the same
    # figures as the raw GROUP BYs, which took 5–6 s over a year at 1,000 sites; None: raw
    how = sales_summaries.plan(actor, start, end)

    def summary(title: str, column: str, key: str, label: Callable[[Any], str]) -> Section:
        if how is None:
            rows = [
                (r[key], r["n"], r["amount"], r["commission"])
                for r in sales.values(key)
                .annotate(n=Count("pk"), amount=Sum("amount"), commission=Sum("commission"))
                .order_by(key)
            ]
        else:
            rows = sales_summaries.summary_rows(sales, key, how)
        return Section(
            title,
            [
                Column(column),
                Column(_("Sales"), "int", total=True),
                Column(_("Amount"), "money", total=True),
                Column(_("Commission"), "money", total=True),
            ],
            [[label(k), n, to_money(amount), to_money(c)] for k, n, amount, c in rows],
        )

    @functools.cache
    def counted() -> tuple[int, int]:
        """How many sales and refunds of the period the person sees (a preview's sizes)."""
        if how is None:
            return sales.count(), refunds_of_period.count()
        return sales_summaries.counts(actor, how)

    sale_rows, sale_count = _detail_rows(
        sales.order_by("sold_at", "receipt_number").values_list(
            "sold_at",
            "site__name",
            "receipt_number",
            "seller__username",
            "package__name",
            "voucher__code",
            "payment_method",
            "payment_reference",
            "discount",
            "amount",
            "commission",
            "channel",
        ),
        preview,
        lambda: counted()[0],
    )
    refund_rows, refund_count = _detail_rows(
        refunds_of_period.order_by("refunded_at").values_list(
            "refunded_at",
            "sale__site__name",
            "sale__receipt_number",
            "sale__seller__username",
            "reason",
            "refunded_by__username",
            "amount",
            "commission_reversed",
        ),
        preview,
        lambda: counted()[1],
    )
    detail = Section(
        _("Sales"),
        [
            Column(_("Time"), "datetime"),
            Column(_("Site")),
            Column(_("Receipt"), "int"),
            Column(_("Seller")),
            Column(_("Package")),
            Column(_("Code")),
            Column(_("Payment")),
            Column(_("Reference")),
            Column(_("Discount"), "money", total=True),
            Column(_("Amount"), "money", total=True),
            Column(_("Commission"), "money", total=True),
            Column(_("Channel")),
        ],
        [
            [
                _local(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                str(methods.get(r[6], r[6])),
                r[7],
                to_money(r[8]),
                to_money(r[9]),
                to_money(r[10]),
                str(channels.get(r[11], r[11])),
            ]
            for r in sale_rows
        ],
        detail=True,
        size=sale_count,
    )
    refunds = Section(
        _("Refunds"),
        [
            Column(_("Time"), "datetime"),
            Column(_("Site")),
            Column(_("Receipt"), "int"),
            Column(_("Seller")),
            Column(_("Reason")),
            Column(_("Refunded by")),
            Column(_("Amount"), "money", total=True),
            Column(_("Commission reversed"), "money", total=True),
        ],
        [
            [_local(r[0]), r[1], r[2], r[3], r[4], r[5], to_money(r[6]), to_money(r[7])]
            for r in refund_rows
        ],
        detail=True,
        size=refund_count,
    )
    return Report(
        "sales",
        _("Sales"),
        start,
        end,
        [
            summary(_("Sales by site"), _("Site"), "site__name", str),
            summary(_("Sales by seller"), _("Seller"), "seller__username", str),
            summary(_("Sales by package"), _("Package"), "package__name", str),
            summary(
                _("Sales by payment"),
                _("Payment"),
                "payment_method",
                lambda m: str(methods.get(m, m)),
            ),
            summary(
                _("Sales by channel"),
                _("Channel"),
                "channel",
                lambda c: str(channels.get(c, c)),
            ),
            detail,
            refunds,
        ],
    )


def statements_report(
    *, actor: User, start: dt.date, end: dt.date, preview: bool = False
) -> Report:
    """Each agent's commission statement for the period and the balance owed at its end, the
    biggest shortfall first: who holds the office's cash, at a glance."""
    if actor.is_agent:
        agents = [actor]
    elif actor.has_perm("sales.view_remittance"):
        agents = list(User.objects.filter(groups__name="Agent").order_by("username"))
    else:
        raise PermissionDenied
    # The Agents dashboard's function, on rollups brought up to this moment: the same
    # figures as the dashboard and as each agent's statement (tests/analytics hold them equal).
    # Every agent: the function's "everyone who sold or remitted" (no list of thousands of
    # ids in the queries), the agents who never did at zero.
    rollups.refresh(wait=False)
    chosen = (actor.pk,) if actor.is_agent else ()
    frame = agent_figures(Filters(start=start, end=end, agents=chosen))
    figures = {row["agent"]: row for row in frame.to_dict("records")}
    nothing = dict.fromkeys(("sales_count",), 0) | dict.fromkeys(
        ("balance_owed", "sales_amount", "refunds_amount", "collected", "commission", "remitted"),
        Decimal("0.00"),
    )
    # The balance owed comes second so that it is on screen even on a phone.
    rows = [
        [
            agent.get_full_name() or agent.username,
            f["balance_owed"],
            f["sales_count"],
            f["sales_amount"],
            f["refunds_amount"],
            f["collected"],
            f["commission"],
            f["remitted"],
            agent.username,
        ]
        for agent in agents
        for f in [figures.get(agent.pk, nothing)]
    ]
    rows.sort(key=lambda r: (-r[1], r[8]))
    return Report(
        "statements",
        _("Agent statements"),
        start,
        end,
        [
            Section(
                _("Statements"),
                [
                    Column(_("Agent")),
                    Column(_("Balance owed"), "money", total=True),
                    Column(_("Sales"), "int", total=True),
                    Column(_("Sold"), "money", total=True),
                    Column(_("Refunded"), "money", total=True),
                    Column(_("Collected"), "money", total=True),
                    Column(_("Commission"), "money", total=True),
                    Column(_("Remitted"), "money", total=True),
                    Column(_("Username")),
                ],
                rows,
                flag=lambda row: row[1] > 0,
            )
        ],
    )


def remittances_report(
    *, actor: User, start: dt.date, end: dt.date, preview: bool = False
) -> Report:
    """Cash and mobile money handed in by agents in the period."""
    if not actor.has_perm("sales.view_remittance"):
        raise PermissionDenied
    lo, hi = _bounds(start, end)
    remittances = remittances_visible_to(actor).filter(received_at__gte=lo, received_at__lt=hi)
    methods = dict(PaymentMethod.choices)
    found, size = _detail_rows(
        remittances.order_by("received_at").values_list(
            "received_at",
            "agent__username",
            "method",
            "reference",
            "received_by__username",
            "note",
            "amount",
        ),
        preview,
        remittances.count,
    )
    rows = [
        [_local(r[0]), r[1], str(methods.get(r[2], r[2])), r[3], r[4], r[5], to_money(r[6])]
        for r in found
    ]
    return Report(
        "remittances",
        _("Remittances"),
        start,
        end,
        [
            Section(
                _("Remittances"),
                [
                    Column(_("Time"), "datetime"),
                    Column(_("Agent")),
                    Column(_("Method")),
                    Column(_("Reference")),
                    Column(_("Received by")),
                    Column(_("Note")),
                    Column(_("Amount"), "money", total=True),
                ],
                rows,
                detail=True,
                size=size,
            )
        ],
    )


def _require_finance(actor: User) -> None:
    if not actor.has_perm("finance.view_expense"):
        raise PermissionDenied


def _expense_section(start: dt.date, end: dt.date, *, actor: User, approved_only: bool) -> Section:
    expenses = expenses_visible_to(actor).filter(spent_on__gte=start, spent_on__lt=end)
    if approved_only:
        expenses = expenses.filter(status=ExpenseStatus.APPROVED)
    categories = dict(Expense._meta.get_field("category").choices)
    statuses = dict(ExpenseStatus.choices)
    return Section(
        _("Expenses"),
        [
            Column(_("Date"), "date"),
            Column(_("Site")),
            Column(_("Category")),
            Column(_("Paid to")),
            Column(_("Status")),
            Column(_("Note")),
            Column(_("Amount"), "money", total=True),
        ],
        [
            [
                r[0],
                r[1] or _("Head office"),
                str(categories.get(r[2], r[2])),
                r[3],
                str(statuses.get(r[4], r[4])),
                r[5],
                to_money(r[6]),
            ]
            for r in expenses.order_by("spent_on", "created_at").values_list(
                "spent_on", "site__name", "category", "payee", "status", "note", "amount"
            )
        ],
        detail=True,
    )


def expenses_report(*, actor: User, start: dt.date, end: dt.date, preview: bool = False) -> Report:
    """Every expense of the period, whatever its approval, and approved ones by category."""
    _require_finance(actor)
    # the Finance dashboard's expenses chart draws these rows

    by_category = expenses_by_category(Filters(start=start, end=end, sites=analytics_sites(actor)))
    return Report(
        "expenses",
        _("Expenses"),
        start,
        end,
        [
            Section(
                _("Approved by category"),
                [
                    Column(_("Category")),
                    Column(_("Expenses"), "int", total=True),
                    Column(_("Amount"), "money", total=True),
                ],
                [
                    [r.category_name, int(r.expenses), r.amount]
                    for r in by_category.itertuples(index=False)
                ],
            ),
            _expense_section(start, end, actor=actor, approved_only=False),
        ],
    )


def profit_report(*, actor: User, start: dt.date, end: dt.date, preview: bool = False) -> Report:
    """Profit per site (revenue − refunds − commission − approved expenses) and the approved
    expenses behind it."""
    _require_finance(actor)
    rows = [
        [r["name"], r["revenue"], r["refunds"], r["commission"], r["expenses"], r["profit"]]
        for r in profit_by_site(start=start, end=end, actor=actor)
    ]
    return Report(
        "profit",
        _("Profit per site"),
        start,
        end,
        [
            Section(
                _("Profit"),
                [
                    Column(_("Site")),
                    Column(_("Revenue"), "money", total=True),
                    Column(_("Refunds"), "money", total=True),
                    Column(_("Commission"), "money", total=True),
                    Column(_("Expenses"), "money", total=True),
                    Column(_("Profit"), "money", total=True),
                ],
                rows,
            ),
            _expense_section(start, end, actor=actor, approved_only=True),
        ],
    )


REPORTS: dict[str, tuple[Any, Callable[..., Report]]] = {
    "sales": (gettext_lazy("Sales"), sales_report),
    "statements": (gettext_lazy("Agent statements"), statements_report),
    "remittances": (gettext_lazy("Remittances"), remittances_report),
    "expenses": (gettext_lazy("Expenses"), expenses_report),
    "profit": (gettext_lazy("Profit per site"), profit_report),
}


def build_report(
    key: str, *, actor: User, start: dt.date, end: dt.date, preview: bool = False
) -> Report:
    """The report called `key` for the period, as `actor` may see it. ``preview`` (the
    reports page): a detail table longer than PREVIEW_ROWS holds only its first rows and its
    size, as the page shows only its size; files always get every row."""
    if key not in REPORTS:
        raise ValidationError({"report": _("No such report: %(key)s.") % {"key": key}})
    start, end = check_period(start, end)
    report = REPORTS[key][1](actor=actor, start=start, end=end, preview=preview)
    report.generated_by = actor.get_full_name() or actor.username
    return report


def estimate_rows(key: str, *, actor: User, start: dt.date, end: dt.date) -> int:
    """About how many rows the report will have, by one COUNT (for choosing between building
    its file in the request or in the background): the sales report is a row per sale, the
    remittances report a row per remittance, the statements a row per agent (every agent:
    5,000 at 1,000 sites, a 180-page PDF that took 50 s in the request when it was counted
    as a row per day), the expenses a row per expense, profit a row per site."""
    lo, hi = _bounds(start, end)
    if key == "sales":
        how = sales_summaries.plan(actor, start, end)
        if how is not None:  # the rollups' count: a COUNT of a year's sales took ~0.5 s
            return sales_summaries.counts(actor, how)[0]
        return sales_visible_to(actor).filter(sold_at__gte=lo, sold_at__lt=hi).count()
    if key == "remittances":
        return remittances_visible_to(actor).filter(received_at__gte=lo, received_at__lt=hi).count()
    if key == "statements":
        return 1 if actor.is_agent else User.objects.filter(groups__name="Agent").count()
    if key == "expenses":
        return expenses_visible_to(actor).filter(spent_on__gte=start, spent_on__lt=end).count()
    if key == "profit":
        return sites_visible_to(actor).count() + 1  # and head office
    return (end - start).days


def reports_for(actor: User) -> list[tuple[str, Any]]:
    """The reports this person may run, for menus and forms."""
    allowed = {
        "sales": actor.has_perm("sales.view_sale"),
        "statements": actor.is_agent or actor.has_perm("sales.view_remittance"),
        "remittances": actor.has_perm("sales.view_remittance"),
        "expenses": actor.has_perm("finance.view_expense"),
        "profit": actor.has_perm("finance.view_expense"),
    }
    return [(key, title) for key, (title, _f) in REPORTS.items() if allowed[key]]
