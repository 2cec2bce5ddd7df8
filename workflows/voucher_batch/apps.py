from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoucherBatchConfig(AppConfig):
    name = "workflows.voucher_batch"
    label = "voucher_batch"
    verbose_name = _("Voucher batch approval")
