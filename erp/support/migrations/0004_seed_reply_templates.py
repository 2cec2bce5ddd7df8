"""The SMS templates of answers to customers: a reply, and the resolution with the rating
request (reply 1-5, or the link)."""

from django.db import migrations

TEMPLATES = [
    {
        "code": "support-reply",
        "name": "Support reply",
        "kind": "transactional",
        "text_en": "Ticket {ticket_ref}: {reply}",
        "text_sw": "Tiketi {ticket_ref}: {reply}",
    },
    {
        "code": "support-resolved",
        "name": "Support ticket resolved",
        "kind": "transactional",
        "text_en": (
            "Ticket {ticket_ref} is resolved: {reply} "
            "How did we do? Reply 1 (bad) to 5 (great) or tap {rating_link}"
        ),
        "text_sw": (
            "Tiketi {ticket_ref} imetatuliwa: {reply} "
            "Tumefanyaje? Jibu 1 (vibaya) hadi 5 (vizuri sana) au bofya {rating_link}"
        ),
    },
]


def seed_templates(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    for row in TEMPLATES:
        Template.objects.get_or_create(code=row["code"], defaults=row)


def unseed_templates(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    Template.objects.filter(code__in=[row["code"] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0003_ticket_sla_rating_number_sequence"),
        ("messaging", "0007_seed_staff_notice_templates"),
    ]

    operations = [migrations.RunPython(seed_templates, unseed_templates)]
