"""Retrain the ticket classifier from the shipped set plus the agents' corrections (also a
weekly beat job). The held-out quarter of the shipped set is measured first; a model below the
accuracy floor is not saved (the one in use stays)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from erp.support import classifier, services


class Command(BaseCommand):
    help = "Retrain the support ticket classifier (shipped set + agents' corrections)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="measure, do not save")
        parser.add_argument(
            "--confusion-svg", metavar="PATH", help="also write the confusion matrix picture"
        )

    def handle(self, *args, dry_run: bool = False, confusion_svg: str = "", **options):
        report = services.retrain_classifier(save=not dry_run)
        self.stdout.write(
            f"trained on {report['shipped']} shipped + {report['corrected']} corrected; "
            f"held-out accuracy {report['accuracy']:.3f} on {report['held_out']}"
        )
        for label, row in report["per_category"].items():
            self.stdout.write(
                f"  {label:<20} precision {row['precision']:.2f} recall {row['recall']:.2f} "
                f"(n={row['support']})"
            )
        if confusion_svg:
            Path(confusion_svg).write_text(classifier.confusion_svg(report), encoding="utf-8")
            self.stdout.write(f"confusion matrix: {confusion_svg}")
        if report["accuracy"] < services.ACCURACY_FLOOR:
            raise CommandError(
                f"held-out accuracy {report['accuracy']:.3f} < {services.ACCURACY_FLOOR}: not saved"
            )
        if report["saved"]:
            self.stdout.write(f"saved {classifier.model_path()}")
