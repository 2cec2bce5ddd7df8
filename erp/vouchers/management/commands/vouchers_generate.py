"""Create an already-approved batch and run it, with a progress bar (imports and scripts)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from erp.accounts.models import User
from erp.core.texts import text_of
from erp.mikrotik.command_args import find_router
from erp.mikrotik.exceptions import RouterAuthFailed, RouterError
from erp.vouchers import services
from erp.vouchers.models import Package


class Command(BaseCommand):
    help = (
        "Generate vouchers of a package for a router, already approved (recorded as such), "
        "push them to the router, and assign them to an agent if one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--package", required=True, help="package name")
        parser.add_argument("--router", required=True, help="router id, name or SITE/name")
        parser.add_argument("--quantity", required=True, type=int)
        parser.add_argument("--agent", help="username of the agent who receives them")
        parser.add_argument("--code-length", type=int, default=None)
        parser.add_argument("--prefix", default="")
        parser.add_argument(
            "--no-push",
            action="store_true",
            help="store the vouchers; the beat job pushes them later",
        )

    def handle(self, *args, **opts):
        package = Package.objects.filter(name=opts["package"]).first()
        if package is None:
            raise CommandError(f"no package named {opts['package']!r}")
        router = find_router(opts["router"])
        agent = None
        if opts["agent"]:
            agent = User.objects.filter(username=opts["agent"]).first()
            if agent is None:
                raise CommandError(f"no user {opts['agent']!r}")
        try:
            batch = services.request_batch(
                actor=None,
                package=package,
                router=router,
                quantity=opts["quantity"],
                agent=agent,
                note="vouchers_generate",
                code_length=opts["code_length"],
                code_prefix=opts["prefix"],
                preapproved=True,
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            ) from None
        with tqdm(total=batch.quantity, unit="code", desc="generate", file=self.stderr._out) as bar:
            services.generate_batch(batch, progress=lambda done: bar.update(done - bar.n))
        services.queue_batch_push(batch)
        if not opts["no_push"]:
            try:
                services.push_batch(batch)
            except RouterAuthFailed as exc:
                services.note_router_wait(batch, text_of(exc))
                self.stderr.write(
                    f"router: {exc.detail}; the router refused our login, so nothing is pushed "
                    "until its API username and password are fixed (on the router's page); then "
                    "resume the batch (its page, or POST "
                    f"/api/v1/voucher-batches/{batch.pk}/resume/)"
                )
            except RouterError as exc:
                services.note_router_wait(batch, text_of(exc))
                self.stderr.write(
                    f"router: {exc.detail}; the vouchers will be pushed when it answers"
                )
        # What the router acknowledged, even of a push cut half way (not what the push said).
        services.refresh_batch_progress(batch)
        self.stdout.write(
            self.style.SUCCESS(
                f"batch {batch.pk}: {batch.generated_count} generated, {batch.pushed_count} on the "
                f"router, status {batch.get_status_display()}"
            )
        )
