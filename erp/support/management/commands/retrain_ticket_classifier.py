"""Retrain the ticket classifier from the shipped set plus the agents' corrections.

The held-out quarter of the shipped set is measured first; a model below the accuracy floor is
not saved (the one in use stays), so a batch of bad corrections cannot degrade routing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from erp.support import classifier, services

ACCURACY_FLOOR = 0.85


class Command(BaseCommand):
    help = "Retrain the support ticket classifier (shipped set + agents' corrections)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="measure, do not save")
        parser.add_argument(
            "--confusion-svg", metavar="PATH", help="also write the confusion matrix picture"
        )

    def handle(self, *args, dry_run: bool = False, confusion_svg: str = "", **options):
        train, held_out = classifier.split(classifier.load_examples())
        corrections = services.corrections()
        model = classifier.train(train + corrections)
        report = classifier.evaluate(model, held_out)
        self.stdout.write(
            f"trained on {len(train)} shipped + {len(corrections)} corrected; "
            f"held-out accuracy {report['accuracy']:.3f} on {len(held_out)}"
        )
        for label, row in report["per_category"].items():
            self.stdout.write(
                f"  {label:<20} precision {row['precision']:.2f} recall {row['recall']:.2f} "
                f"(n={row['support']})"
            )
        if confusion_svg:
            Path(confusion_svg).write_text(classifier.confusion_svg(report), encoding="utf-8")
            self.stdout.write(f"confusion matrix: {confusion_svg}")
        if report["accuracy"] < ACCURACY_FLOOR:
            raise CommandError(
                f"held-out accuracy {report['accuracy']:.3f} < {ACCURACY_FLOOR}: not saved"
            )
        if not dry_run:
            path = classifier.save(model)
            classifier.reset()
            self.stdout.write(f"saved {path}")
