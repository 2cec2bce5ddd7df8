from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0009_voucher_event_at_index")]

    operations = [
        migrations.AddField(
            model_name="voucherbatch",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="last progress"
            ),
        ),
    ]
