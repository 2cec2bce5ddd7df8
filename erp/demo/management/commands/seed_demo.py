"""Create realistic demo data: sites with routers and clients, one user per role.

Idempotent: running it again finds what exists, creates only what is missing, and says so.
Nothing in it depends on today's date, the time zone or a random draw in a way that can fail:
the sales are planned before the stock is made (tests/erp/demo/test_seed_dates.py runs it on
every weekday, month ends, a leap day and New Year's Eve).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from analytics import rollups
from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.accounts.services import create_user
from erp.assets.models import Asset, AssetType
from erp.assets.services import create_asset, send_to_repair
from erp.clients.models import Client
from erp.clients.services import create_client
from erp.core.ports import port_problem
from erp.finance.services import decide_expense, record_expense
from erp.maintenance.models import Fault
from erp.messaging.models import Gateway
from erp.messaging.services import create_gateway
from erp.mikrotik.models import HotspotProfile, HotspotUser
from erp.mikrotik.services import HotspotUserSpec, queue_hotspot_users, save_profile
from erp.mikrotik.simulator import Simulator
from erp.portal.models import PortalSettings
from erp.sales import services as sales
from erp.sales.models import CommissionRule, Sale
from erp.sites.models import Router, Site
from erp.sites.services import create_router, create_site, update_router
from erp.support import services as support
from erp.support.choices import Channel
from erp.support.models import Category, Ticket, TicketMessage
from erp.vouchers import services as vouchers
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Package, Voucher
from erp.vouchers.services import save_package
from workflows.fault_repair import services as faults
from workflows.support_ticket import services as ticket_process

DEMO_PASSWORD = "viornet-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_ROUTER_PASSWORD = "demo-router-pass"  # noqa: S105 - the simulator's, in the Procfile
# make run's SMS gateway simulator (Procfile: its login, signing key and this gateway's id
# in the webhook address it calls)
DEMO_SMS_GATEWAY_ID = uuid.UUID("5e7d3c1a-0000-4000-8000-00000000517a")
DEMO_SMS_PASSWORD = "demo-sms-pass"  # noqa: S105
DEMO_SMS_SIGNING_KEY = "demo-sms-signing-key"  # noqa: S105


def simulator_state() -> Path:
    """The state file of make run's `router` process (Procfile: --state), under VAR_DIR."""
    return Path(settings.VAR_DIR) / "routeros-sim.json"


USERS = [
    ("admin", Role.SUPER_ADMIN, "Amina", "Mwakyusa", "+255712000001"),
    ("marketing", Role.MARKETING, "Neema", "Kileo", "+255712000002"),
    ("sales", Role.SALES, "Baraka", "Mushi", "+255712000003"),
    ("technician", Role.TECHNICAL, "Juma", "Said", "+255712000004"),
    ("finance", Role.FINANCE, "Rehema", "Nyerere", "+255712000005"),
    ("agent", Role.AGENT, "Halima", "Omari", "+255712000006"),
    ("agent2", Role.AGENT, "Idrisa", "Mbwana", "+255712000007"),
]

SITES = [
    (
        "Kariakoo Market",
        "DAR-KKO",
        "-6.816600",
        "39.276900",
        "Msimbazi St, Kariakoo, Dar es Salaam",
    ),
    ("Mwenge Bus Stand", "DAR-MWG", "-6.768800", "39.226900", "Sam Nujoma Rd, Mwenge"),
    ("Arusha Clock Tower", "ARU-CLK", "-3.369800", "36.683000", "Boma Rd, Arusha"),
    ("Dodoma Jamhuri", "DOD-JMH", "-6.172200", "35.741900", "Jamhuri St, Dodoma"),
]

CLIENTS = [
    ("Said Ally", "0754 111 222", "a4:5e:60:01:02:03"),
    ("Grace Mollel", "0655 333 444", ""),
    ("John Massawe", "+255 784 555 666", "a4-5e-60-0a-0b-0c"),
    ("Fatma Hassan", "0713 777 888", ""),
]


PROFILES = [
    # name, rate limit, shared users, session timeout (s)
    ("1h-2M", "2M/2M", 1, 3600),
    ("day-5M", "5M/5M", 1, 86400),
    ("week-5M", "5M/5M", 2, 0),
]


# A Technical user with the lead's right to triage faults and assign technicians.
LEAD = ("techlead", Role.TECHNICAL, "Zawadi", "Lyimo", "+255712000008")

FAULTS = [
    # site code, reporter, severity, service down, description, how far the process goes
    ("DAR-MWG", "agent2", "major", False, "Access point at the bus stand reboots every hour", ""),
    (
        "DAR-KKO",
        "agent",
        "critical",
        True,
        "No internet at the market since the power cut",
        "assign",
    ),
    ("ARU-CLK", "sales", "minor", True, "Slow hotspot in the evening", "close"),
]

PACKAGES = [
    # name, price (TZS), validity (s), rate limit
    ("1 Hour", "500", 3600, "2M/2M"),
    ("1 Day", "1000", 86400, "5M/5M"),
    ("1 Week", "5000", 7 * 86400, "5M/5M"),
]

# Days of demo sales ending today, how often each package sells, and the unsold vouchers of
# every package each router keeps for the POS once the demo sales are made.
SALES_DAYS = 35
SALE_WEIGHTS = {"1 Hour": 6, "1 Day": 3, "1 Week": 1}
DEMO_STOCK_LEFT = 40
# Office stock (no agent) per router and package: what the captive portal sells online.
DEMO_ONLINE_STOCK = 10

# Support tickets, so the inbox and /analytics/support live on a first start. Each row: channel,
# site code, customer phone, e-mail, text, hours ago, what happens to it ("wait": asked and
# waiting for the customer; "resolve:<rating>:<resolution>"). The texts are ones the
# shipped classifier files with confidence (the first one it is unsure of: triage).
TICKETS = [
    (Channel.SMS, "DAR-MWG", "0713 777 888", "", "Nina shida kidogo, nipigie tafadhali", 1, ""),
    (
        Channel.SMS,
        "DAR-KKO",
        "0754 111 222",
        "",
        "Nimelipa kwa M-Pesa 1000 lakini sijapata vocha, ref QK81HX2P",
        0.2,
        "",
    ),
    (
        Channel.PORTAL,
        "DOD-JMH",
        "0655 333 444",
        "",
        "The WiFi antenna on the pole at Jamhuri street fell down after the storm, cables hanging",
        0.3,
        "",
    ),
    (
        Channel.EMAIL,
        "DAR-MWG",
        "",
        "grace.mollel@example.com",
        "The internet at Mwenge bus stand is very slow every evening, pages take a minute to load",
        5,
        "wait",
    ),
    (
        Channel.EMAIL,
        "ARU-CLK",
        "",
        "john.massawe@example.com",
        "My voucher code says invalid when I try to log in at the portal",
        72,
        "resolve:5:Your voucher was on the wrong router; it works now at the Clock Tower.",
    ),
    (
        Channel.DESK,
        "DOD-JMH",
        "",
        "fatma.hassan@example.com",
        "I was charged twice for the 1 Week package, please refund one payment",
        50,
        "resolve:4:The second payment is refunded to your M-Pesa.",
    ),
    (
        Channel.SMS,
        "ARU-CLK",
        "+255 784 555 666",
        "",
        "Hakuna internet kabisa hapa Arusha tangu jana",
        30,
        "",
    ),
]

EXPENSES = [
    # site code, category, amount (TZS), payee
    ("DAR-KKO", "rent", "150000", "Kariakoo Market Board"),
    ("DAR-MWG", "power", "45000", "TANESCO"),
    ("ARU-CLK", "bandwidth", "120000", "Fibre ISP"),
]


@dataclass(frozen=True)
class PlannedSale:
    """One demo sale, drawn before any stock is made."""

    day: dt.date
    router: Router
    package: object  # erp.vouchers.models.Package
    mobile: bool
    reference: str
    at: dt.time
    buyer: Client | None


class Command(BaseCommand):
    help = "Create demo sites, routers, clients and one user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--router-host", default="127.0.0.1")
        parser.add_argument(
            "--router-port",
            type=int,
            default=int(os.environ.get("ROUTER_SIM_PORT") or 8728),
            help="port of the first demo router; the others follow (make run's simulator; "
            "default ROUTER_SIM_PORT, else 8728)",
        )

    @transaction.atomic
    def handle(self, *args, router_host: str, router_port: int, **options):
        self.made: Counter[str] = Counter()  # what this run added, said at the end
        self.router_port = router_port
        if not Router.objects.filter(site__code__in=[s[1] for s in SITES]).exists():
            # a new demo: the simulator's users of an earlier one are not its routers'
            simulator_state().unlink(missing_ok=True)
        users = {row[0]: self._user(*row) for row in USERS}
        admin = users["admin"]

        for index, (name, code, lat, lon, address) in enumerate(SITES):
            site = Site.objects.filter(code=code).first()
            if site is None:
                agents = [users["agent"]] if index % 2 == 0 else [users["agent2"]]
                site = create_site(
                    actor=admin,
                    name=name,
                    code=code,
                    latitude=Decimal(lat),
                    longitude=Decimal(lon),
                    address=address,
                    manager=users["sales"],
                    agents=agents,
                    # printed on receipts and cards: "1. Join the WiFi ViorNet-Kariakoo"
                    wifi_name=f"ViorNet-{name.split()[0]}",
                )
                self.made["sites"] += 1
            router = Router.objects.filter(site=site).order_by("name").first()
            if router is not None and (router.host, router.api_port) != (
                router_host,
                router_port + index,
            ):
                # make run with another ROUTER_SIM_PORT: the demo routers follow the simulator
                update_router(
                    actor=admin,
                    router=router,
                    host=router_host,
                    api_port=router_port + index,
                    password=DEMO_ROUTER_PASSWORD,
                )
                self.made["routers moved"] += 1
            if router is None:
                create_router(
                    actor=admin,
                    site=site,
                    name=f"{code.lower()}-hap",
                    host=router_host,
                    api_port=router_port + index,
                    use_tls=False,
                    username="admin",
                    password=DEMO_ROUTER_PASSWORD,
                    hotspot_server="hotspot1",
                )
                self.made["routers"] += 1
            agent = site.agents.first()
            for client_index, (cname, phone, mac) in enumerate(CLIENTS):
                if Client.objects.filter(site=site, name=cname).exists():
                    continue
                create_client(
                    actor=agent or admin,
                    site=site,
                    name=cname,
                    # one client per phone: each site's demo clients are other people
                    phone=f"{phone[:-1]}{index}",
                    mac_address=mac[:-1] + str(index) if mac else "",
                    marketing_consent=client_index % 2 == 0,
                    agent=agent,
                )
                self.made["clients"] += 1

        self._seed_hotspot(admin)
        self._seed_assets(users["technician"])
        self._seed_faults(users)
        self._seed_sales(users)
        self._seed_sms_gateway()
        self._seed_portal()
        self._seed_tickets(users)

        if +self.made:
            added = ", ".join(f"{n} {kind}" for kind, n in self.made.items() if n)
            self.stdout.write(f"Added: {added}.")
        else:
            self.stdout.write("The demo data was already there: nothing added, nothing changed.")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        for username, role, *_ in USERS:
            self.stdout.write(f"  {username:<11} {role}")
        self.stdout.write(f"  {LEAD[0]:<11} {LEAD[1]} (technical lead: triages faults)")

    def _seed_portal(self) -> None:
        """Each demo site's captive portal, open and selling online: /portal/<site code>/
        then pays with make run's Wave simulator (or Selcom's, see README)."""
        for site in Site.objects.filter(code__in=[s[1] for s in SITES]):
            _portal, created = PortalSettings.objects.get_or_create(
                site=site,
                defaults={"welcome": f"Karibu {site.name}! WiFi ya haraka.", "sells_online": True},
            )
            self.made["portal settings"] += created

    def _seed_tickets(self, users: dict[str, User]) -> None:
        """A few support tickets across channels, teams and states, opened in the last days
        through the intake service and worked through the process: one waiting for triage, two
        in a team's queue, one waiting for the customer, two resolved and rated, one whose SLA
        was missed (escalated). Answers go by e-mail (the demo sends no SMS). Skipped once
        tickets exist."""
        if Ticket.objects.exists():
            return
        now = timezone.now()
        care, billing = users["marketing"], users["finance"]
        sites = {s.code: s for s in Site.objects.filter(code__in=[t[1] for t in TICKETS])}
        for channel, code, phone, email, text, hours_ago, then in TICKETS:
            at = now - dt.timedelta(hours=hours_ago)
            ticket = support.open_ticket(
                text=text,
                channel=channel,
                phone=phone,
                email=email,
                site=sites.get(code),
                actor=care if channel == Channel.DESK else None,
                now=at,
            )
            Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
            TicketMessage.objects.filter(ticket=ticket).update(created_at=at)
            ticket.refresh_from_db()
            ticket_process.start(ticket)  # now, not after the seed's commit: it is worked below
            self.made["support tickets"] += 1
            if then and ticket.needs_triage:
                # a retrained classifier may be unsure of a demo text: Customer Care files it
                category = ticket.category or Category.objects.filter(slug="other").first()
                if category is None:
                    continue  # no categories: it waits for triage
                ticket_process.triage(actor=care, ticket=ticket, category=category)
                ticket.refresh_from_db()
            worker = {"billing": billing, "field": users["technician"]}.get(ticket.team, care)
            if then == "wait":
                ticket_process.wait(
                    actor=worker,
                    ticket=ticket,
                    text="Pole! Which phone or laptop do you use, and at what time is it slow?",
                    now=at + dt.timedelta(minutes=40),
                )
            elif then.startswith("resolve:"):
                _resolve, score, resolution = then.split(":", 2)
                done = at + dt.timedelta(hours=3)
                ticket_process.reply(
                    actor=worker,
                    ticket=ticket,
                    text="Thank you, we are checking it now.",
                    now=at + dt.timedelta(minutes=20),
                )
                ticket_process.resolve(
                    actor=worker,
                    ticket=ticket,
                    resolution=resolution,
                    now=done,
                )
                support.rate(ticket=ticket, score=int(score), now=done + dt.timedelta(hours=1))
            # a deadline already passed: breached and escalated now, as the beat timer would
            support.check_sla(ticket=ticket, url=ticket_process.INBOX_URL, now=now)

    def _seed_sms_gateway(self) -> None:
        """The demo phone: make run's Android gateway simulator (after the sales, so the
        demo's past sales queue no receipt SMS)."""
        port = int(os.environ.get("SMS_SIM_PORT", "8090"))
        if Gateway.objects.filter(pk=DEMO_SMS_GATEWAY_ID).exists():
            return
        create_gateway(
            id=DEMO_SMS_GATEWAY_ID,
            name="Demo phone",
            base_url=f"http://127.0.0.1:{port}",
            username="sms",
            password=DEMO_SMS_PASSWORD,
            webhook_key=DEMO_SMS_SIGNING_KEY,
            is_default=True,
        )
        self.made["SMS gateways"] += 1

    def _seed_assets(self, technician: User) -> None:
        """A few assets: each site's router as an asset linked to its router record, a UPS,
        spares in stock, one in repair; a warranty ending soon to show the warranty list."""
        if Asset.objects.exists():
            return
        types = {t.code: t for t in AssetType.objects.all()}
        today = timezone.localdate()
        for index, router in enumerate(Router.objects.select_related("site").order_by("name")):
            create_asset(
                actor=technician,
                site=router.site,
                reason="installed with the site",
                asset_type=types["router"],
                serial_number=f"HGF0{index}A1B2C{index}",
                model="hAP ac2",
                vendor="MikroTik",
                mac_address=f"48:8F:5A:00:00:{index:02X}",
                purchase_date=today - dt.timedelta(days=400),
                purchase_cost=Decimal("185000.00"),
                supplier="Tz Networks Ltd",
                warranty_end=today + dt.timedelta(days=20 + 200 * index),
                condition="good",
                router=router,
            )
            create_asset(
                actor=technician,
                site=router.site,
                reason="installed with the site",
                asset_type=types["ups"],
                serial_number=f"UPS-{router.site.code}",
                model="Back-UPS 650",
                vendor="APC",
                purchase_cost=Decimal("240000.00"),
                supplier="PowerHouse Dar",
                condition="good",
            )
        for n in range(1, 3):
            create_asset(
                actor=technician,
                asset_type=types["access-point"],
                serial_number=f"CAP-SPARE-{n}",
                model="cAP ax",
                vendor="MikroTik",
                mac_address=f"48:8F:5A:10:00:{n:02X}",
                purchase_cost=Decimal("210000.00"),
                supplier="Tz Networks Ltd",
                warranty_end=today + dt.timedelta(days=700),
            )
        broken = create_asset(
            actor=technician,
            asset_type=types["switch"],
            serial_number="CSS-0042",
            model="CSS610-8G",
            vendor="MikroTik",
            purchase_cost=Decimal("160000.00"),
            condition="good",
        )
        send_to_repair(actor=technician, asset=broken, reason="port 3 dead after a storm")
        self.made["assets"] += Asset.objects.count()

    def _seed_hotspot(self, admin: User) -> None:
        """Hotspot profiles, and a few hotspot users per router for the simulator's demo life
        (the vouchers module will create these from voucher batches)."""
        for name, rate, shared, timeout in PROFILES:
            if not HotspotProfile.objects.filter(name=name).exists():
                save_profile(
                    actor=admin,
                    name=name,
                    rate_limit=rate,
                    shared_users=shared,
                    session_timeout=timeout,
                )
                self.made["hotspot profiles"] += 1

        demo_sites = list(Site.objects.filter(code__in=[s[1] for s in SITES]))
        for name, price, validity, rate in PACKAGES:
            if not Package.objects.filter(name=name).exists():
                save_package(
                    actor=admin,
                    name=name,
                    price=Decimal(price),
                    validity_seconds=validity,
                    rate_limit=rate,
                    sites=demo_sites,
                )
                self.made["packages"] += 1
        for router in Router.objects.filter(site__code__in=[s[1] for s in SITES]):
            prefix = router.site.code.replace("-", "")[:6]
            names = [f"{prefix}{n:04d}" for n in range(1, 11)]
            have = set(
                HotspotUser.objects.filter(router=router, name__in=names).values_list(
                    "name", flat=True
                )
            )
            missing = [
                HotspotUserSpec(
                    name=name, profile="default", comment="sold (demo)" if n % 2 else "demo"
                )
                for n, name in enumerate(names)
                if name not in have
            ]
            queue_hotspot_users(router, missing)
            self.made["demo hotspot users"] += len(missing)

    def _seed_faults(self, users: dict[str, User]) -> None:
        """A technical lead and three faults: one waiting for triage, one in the
        technician's inbox, one repaired and closed (downtime for the uptime figures)."""
        lead = self._user(*LEAD)
        lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
        lead = User.objects.get(pk=lead.pk)  # fresh permission cache
        technician = users["technician"]
        for code, reporter, severity, down, description, until in FAULTS:
            site = Site.objects.filter(code=code).first()
            if site is None or Fault.objects.filter(description=description).exists():
                continue
            fault = faults.report(
                actor=users[reporter],
                site=site,
                severity=severity,
                description=description,
                service_down=down,
            )
            self.made["faults"] += 1
            if not until:
                continue
            faults.triage(actor=lead, fault=fault, technician=technician)
            if until == "close":
                faults.repair(
                    actor=technician,
                    fault=fault,
                    diagnosis="Channel overlap with a neighbour's AP",
                    actions="Moved the AP to channel 11, lowered TX power",
                    minutes_spent=40,
                )
                faults.verify(actor=users[reporter], fault=fault, confirm=True)

    def _user(self, username: str, role: str, first: str, last: str, phone: str) -> User:
        """The demo user of that name, made (with the demo password) if missing."""
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                first_name=first,
                last_name=last,
                phone=phone,
                email=f"{username}@demo.viornet.example",
            )
            self.made["users"] += 1
        return user

    def _push_to_demo_routers(self, batches: list) -> None:
        """Push the demo batches to the demo routers over the RouterOS API, as any batch.

        During `make run` this runs before the `router` process starts, so the seed serves
        the routers' ports itself with the simulator and the state file that process then
        loads (the users stay on "its" routers); a simulator already answering on a port
        (the demo running) is used as it is."""
        routers = {batch.router_id: batch.router for batch in batches}
        free = [r for r in routers.values() if port_problem(r.host, r.api_port) is None]
        simulator = None
        if free:
            simulator = Simulator(state_file=simulator_state()).start_in_thread()
            for router in free:
                simulator.add_router(
                    f"sim-{router.api_port - self.router_port + 1}",
                    host=router.host,
                    port=router.api_port,
                    username="admin",
                    password=DEMO_ROUTER_PASSWORD,
                )
        try:
            for batch in batches:
                vouchers.push_batch(batch)
        finally:
            if simulator is not None:
                simulator.shutdown()

    def _plan_sales(self, routers: list[Router], packages: list) -> list[PlannedSale]:
        """Every demo sale, drawn before anything is sold, so the stock can be counted from
        it: how many sales a day gets depends on the weekdays walked over, and the stock must
        follow from the plan, never from a guess (a guess ran out on some dates)."""
        rng = random.Random(2026)  # noqa: S311 - the same demo every time, not a secret
        buyers = random.Random(7)  # noqa: S311 - its own draws: the sales stay as they were
        weights = [SALE_WEIGHTS.get(p.name, 1) for p in packages]
        clients: dict = {}
        for client in Client.objects.filter(site__in=[r.site_id for r in routers]).order_by("name"):
            clients.setdefault(client.site_id, []).append(client)
        today = timezone.localdate()
        plan = []
        for back in range(SALES_DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            for router in routers:
                for _n in range(rng.randint(1, 4) + (2 if day.weekday() in (4, 5) else 0)):
                    package = rng.choices(packages, weights)[0]
                    mobile = rng.random() < 0.35
                    reference = f"MP{rng.randint(10**7, 10**8)}" if mobile else ""
                    # the last days' day and week passes go to a known client who logs in:
                    # their access ends in the coming week (the Overview's reminders)
                    lasting = package.validity_seconds >= 86400 and back * 86400 < (
                        package.validity_seconds
                    )
                    site_clients = clients.get(router.site_id)
                    buyer = buyers.choice(site_clients) if lasting and site_clients else None
                    plan.append(
                        PlannedSale(
                            day=day,
                            router=router,
                            package=package,
                            mobile=mobile,
                            reference=reference,
                            at=dt.time(rng.randint(7, 21), rng.randint(0, 59)),
                            buyer=buyer,
                        )
                    )
        return plan

    def _seed_sales(self, users: dict[str, User]) -> bool:
        """Five weeks of sales by the two agents (through the POS service, then dated back),
        a refund, weekly remittances and a few approved expenses, so the reports and the
        analytics pages have something to show on a first start. Skipped once sales exist.

        The sales are planned first and each router gets the stock its plan needs plus
        ``DEMO_STOCK_LEFT`` of every package for the POS; each sale names its voucher, so an
        agent with two sites sells each site's own stock."""
        if Sale.objects.exists():
            return False
        if not CommissionRule.objects.exists():
            CommissionRule.objects.create(percent=Decimal("7.5"))
        packages = list(Package.objects.filter(name__in=[p[0] for p in PACKAGES]))
        routers = [
            router
            for router in Router.objects.filter(site__code__in=[s[1] for s in SITES])
            .select_related("site")
            .prefetch_related("site__agents")
            if router.site.agents.all()
        ]
        plan = self._plan_sales(routers, packages)
        needed = Counter((sale.router.pk, sale.package.pk) for sale in plan)
        stock: dict[tuple, list[str]] = {}
        batches = []
        for router in routers:
            for package in packages:
                batch = vouchers.request_batch(
                    actor=None,
                    package=package,
                    router=router,
                    quantity=needed[router.pk, package.pk] + DEMO_STOCK_LEFT,
                    agent=router.site.agents.all()[0],
                    preapproved=True,
                    note="demo stock",
                )
                vouchers.generate_batch(batch)
                vouchers.queue_batch_push(batch)
                batches.append(batch)
                stock[router.pk, package.pk] = list(
                    Voucher.objects.filter(batch=batch, status=VoucherStatus.UNUSED)
                    .order_by("-pk")
                    .values_list("code", flat=True)
                )
                # the portal's online stock (make run's Wave/Selcom simulators pay for it)
                office = vouchers.request_batch(
                    actor=None,
                    package=package,
                    router=router,
                    quantity=DEMO_ONLINE_STOCK,
                    preapproved=True,
                    note="demo online stock",
                )
                vouchers.generate_batch(office)
                vouchers.queue_batch_push(office)
                batches.append(office)
        # a voucher is for sale only once its user is on its router, the demo's too
        self._push_to_demo_routers(batches)
        tz = timezone.get_current_timezone()
        now = timezone.now()
        sold = []
        for planned in plan:
            sale, _created = sales.sell(
                seller=planned.router.site.agents.all()[0],
                idempotency_key=uuid.uuid4(),
                payment_method="mobile" if planned.mobile else "cash",
                payment_reference=planned.reference,
                code=stock[planned.router.pk, planned.package.pk].pop(),
                client=planned.buyer,
            )
            at = min(dt.datetime.combine(planned.day, planned.at, tzinfo=tz), now)
            Sale.objects.filter(pk=sale.pk).update(sold_at=at)
            Voucher.objects.filter(pk=sale.voucher_id).update(sold_at=at)
            if planned.buyer is not None:
                voucher = Voucher.objects.select_related("package").get(pk=sale.voucher_id)
                first_login = min(at + dt.timedelta(minutes=15), now)
                vouchers.transition(voucher, "active", actor=None, at=first_login)
                Client.objects.filter(pk=planned.buyer.pk).update(expires_at=voucher.expires_at)
            sold.append(sale)
        self.made["sales"] += len(sold)
        sales.refund_sale(
            actor=users["admin"], sale=sold[len(sold) // 2], reason="Customer could not connect"
        )
        for agent in (users["agent"], users["agent2"]):
            owed = sales.statement(agent)["balance_owed"]
            if owed > 0:
                sales.record_remittance(
                    actor=users["finance"],
                    agent=agent,
                    amount=(owed * Decimal("0.8")).quantize(Decimal("1")),
                    method="cash",
                    note="demo: weekly cash hand-in",
                )
        today = timezone.localdate()
        for (code, category, amount, payee), days_ago in zip(EXPENSES, (3, 9, 17), strict=True):
            expense = record_expense(
                actor=users["finance"],
                category=category,
                site=Site.objects.get(code=code),
                amount=Decimal(amount),
                spent_on=today - dt.timedelta(days=days_ago),
                payee=payee,
            )
            if expense.status == "pending":
                decide_expense(actor=users["admin"], expense=expense, approve=True)
        rollups.rebuild_all()
        return True
