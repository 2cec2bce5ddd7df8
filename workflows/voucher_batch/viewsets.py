"""The Voucher batches application: viewflow's flow app, its dashboard scoped to the batches
the user may see (each card names the batch: "20 × 1 Day @ Kariakoo by Baraka")."""

from __future__ import annotations

from viewflow.workflow.flow import FlowAppViewset

from erp.vouchers.selectors import batches_visible_to

from ..dashboards import ScopedDashboardView
from .flows import VoucherBatchFlow


class BatchDashboardView(ScopedDashboardView):
    data_key = "batch_id"
    visible_to = staticmethod(batches_visible_to)


class VoucherBatchAppViewset(FlowAppViewset):
    dashboard_view_class = BatchDashboardView

    def __init__(self, **kwargs):
        super().__init__(VoucherBatchFlow, icon="confirmation_number", app_name="batches", **kwargs)
