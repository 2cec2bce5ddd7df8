"""One client record per person (phone) across sites: merge the per-site duplicates.

For each phone held by several clients (compared as E.164, whatever format was stored), the
oldest record stays; the sales, SMS and support tickets of the others point to it; it keeps the
latest access end, and blank fields (name, MAC, notes) are filled from the others; its notes say
what was merged. The others are deleted, each with a history row ("-", reason "merged into
<id>"), so their history stays readable. The next migration makes the phone unique.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import migrations
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

# the models that point to a client (apps.get_model names and their field)
REFERENCES = (("sales", "Sale"), ("messaging", "Message"), ("support", "Ticket"))


def _e164(value) -> str:
    number = to_python(str(value))
    return number.as_e164 if number is not None and number.is_valid() else str(value)


def merge(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    History = apps.get_model("clients", "HistoricalClient")
    Site = apps.get_model("sites", "Site")
    by_phone = defaultdict(list)
    for client in Client.objects.order_by("created_at", "pk").iterator():
        by_phone[_e164(client.phone)].append(client)
    now = timezone.now()
    for phone, clients in by_phone.items():
        keep, others = clients[0], clients[1:]
        if not others and str(keep.phone) == phone:
            continue
        ids = [c.pk for c in others]
        for app_label, model_name in REFERENCES:
            model = apps.get_model(app_label, model_name)
            model.objects.filter(client_id__in=ids).update(client_id=keep.pk)
        for other in others:
            for field in ("name", "mac_address"):
                if not getattr(keep, field) and getattr(other, field):
                    setattr(keep, field, getattr(other, field))
            if other.expires_at and (keep.expires_at is None or other.expires_at > keep.expires_at):
                keep.expires_at = other.expires_at
            row = {f.attname: getattr(other, f.attname) for f in Client._meta.concrete_fields}
            History.objects.create(
                **row,
                history_date=now,
                history_type="-",
                history_change_reason=f"merged into {keep.pk}"[:100],
            )
        if others:
            sites = dict(
                Site.objects.filter(pk__in={c.site_id for c in others}).values_list("pk", "name")
            )
            merged = "; ".join(
                f"{c.name or c.phone} at {sites.get(c.site_id, '?')} (since {c.created_at:%Y-%m-%d})"
                for c in others
            )
            note = f"Merged by phone on {now:%Y-%m-%d}: {merged}."
            keep.notes = f"{keep.notes}\n{note}".strip() if keep.notes else note
            Client.objects.filter(pk__in=ids).delete()
        keep.phone = phone
        keep.save()
        row = {f.attname: getattr(keep, f.attname) for f in Client._meta.concrete_fields}
        History.objects.create(
            **row, history_date=now, history_type="~", history_change_reason="merged by phone"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_language_french"),
        ("sites", "0003_site_wifi_name_and_login_page"),
        ("sales", "0009_sale_channel"),
        ("messaging", "0010_french_template_texts"),
        ("support", "0005_ticket_waited_and_resolution_escalated"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
