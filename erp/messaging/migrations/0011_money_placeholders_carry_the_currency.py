"""{price}, {amount} and {balance} now carry their currency, written as the client's language
writes it ("TSh 1,000" in English and Swahili, "1 000 TSh" in French): the seeded texts'
own "TSh " before them goes, or French clients would read "TSh 1 000 TSh". A text an operator
wrote differently is left as it is."""

from django.db import migrations

PLACEHOLDERS = ("price", "amount", "balance")
FIELDS = ("text_en", "text_sw", "text_fr")


def _swap(text: str, old: str, new: str) -> str:
    for name in PLACEHOLDERS:
        text = text.replace(old.format(name=name), new.format(name=name))
    return text


def _rewrite(apps, old: str, new: str) -> None:
    Template = apps.get_model("messaging", "Template")
    for template in Template.objects.all():
        changed = [
            f for f in FIELDS if _swap(getattr(template, f), old, new) != getattr(template, f)
        ]
        for field in changed:
            setattr(template, field, _swap(getattr(template, field), old, new))
        if changed:
            template.save(update_fields=changed)


def drop_currency(apps, schema_editor):
    _rewrite(apps, "TSh {{{name}}}", "{{{name}}}")


def restore_currency(apps, schema_editor):
    _rewrite(apps, "{{{name}}}", "TSh {{{name}}}")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0010_french_template_texts")]

    operations = [migrations.RunPython(drop_currency, restore_currency)]
