"""Fault to repair: report → triage and assign → repair → verify and close (or back to
repair), with an SLA timer on every open step that escalates an overdue fault once."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import flow
from viewflow.workflow.lock import SelectForUpdateLock

from erp.maintenance import services
from erp.maintenance.choices import FaultStatus
from erp.maintenance.selectors import faults_visible_to
from erp.notifications.services import unless_nobody_else

from ..notices import queue_holders, task_created
from . import views
from .models import FaultRepairProcess

# Lists of tasks name the fault ("Kariakoo Market (DAR-KKO) — Critical: no internet …").
FAULT_SUMMARY = "{{ process }}"


class VerifyNode(flow.View):
    """Offered to the reporter (assigned on creation) and to the leads' queue; executed by
    the owner, or by a lead in the reporter's place."""

    def can_assign(self, user, task):
        return super().can_assign(user, task) and services.may_verify(user, task.process.fault)

    def can_execute(self, user, task):
        fault = task.process.fault
        if not services.may_verify(user, fault):
            return False
        return is_owner(task.owner, user) or services.is_lead(user)


class FaultRepairFlow(flow.Flow):
    process_class = FaultRepairProcess
    # Two people completing the same task at once, or a timer firing during a completion,
    # take turns on the process row; the second then finds the task done (a clear message).
    lock_impl = SelectForUpdateLock(nowait=False)
    process_title = _("Faults")
    process_description = _(
        "Report a fault, triage and assign a technician, repair, verify and close."
    )

    start = (
        flow.Start(views.ReportFaultView.as_view())
        .Annotation(title=_("Report a fault"))
        .Permission("maintenance.add_fault")
        .Next(this.triage)
    )
    # A fault already recorded (reported by a person through the API or the field app, or
    # opened by monitoring when a router goes down) starts its process here.
    start_with_fault = (
        flow.StartHandle(this.attach_fault).Annotation(title=_("Fault recorded")).Next(this.triage)
    )
    triage = (
        flow.View(views.TriageView.as_view())
        .Annotation(title=_("Triage and assign"), summary_template=FAULT_SUMMARY)
        .Permission("maintenance.change_fault")
        .onCreate(task_created)
        .OnTimeout(this.sla_deadline, this.escalate, interrupting=False, title=_("SLA missed"))
        .Next(this.repair)
    )
    repair = (
        flow.View(views.RepairView.as_view())
        .Annotation(title=_("Repair"), summary_template=FAULT_SUMMARY)
        .Permission("maintenance.change_fault")
        .Assign(this.technician_of)
        .onCreate(task_created)
        .OnTimeout(this.sla_deadline, this.escalate, interrupting=False, title=_("SLA missed"))
        .Next(this.verify)
    )
    verify = (
        VerifyNode(views.VerifyView.as_view())
        .Annotation(title=_("Verify and close"), summary_template=FAULT_SUMMARY)
        .Permission("maintenance.triage_fault")
        .Assign(this.reporter_of)
        .onCreate(task_created)
        .Next(this.check_verified)
    )
    check_verified = (
        flow.If(lambda activation: activation.process.fault.status == FaultStatus.CLOSED)
        .Annotation(title=_("Service back?"))
        .Then(this.end)
        .Else(this.repair)
    )
    escalate = (
        flow.Function(this.escalate_fault).Annotation(title=_("Escalate")).Next(this.escalated)
    )
    escalated = flow.End().Annotation(title=_("Lead and Super Admin notified"))
    end = flow.End().Annotation(title=_("Closed"))

    def attach_fault(self, activation, fault) -> None:
        activation.process.fault_id = str(fault.pk)

    def sla_deadline(self, activation):
        """The fault's SLA due time (set at report, moved when triage changes severity)."""
        return activation.process.fault.due_at

    def technician_of(self, activation):
        return activation.process.fault.assigned_to

    def reporter_of(self, activation):
        """The reporter verifies, unless nobody reported it (monitoring) or they are the
        technician who repaired it: then a lead takes it from the queue."""
        fault = activation.process.fault
        if fault.reported_by_id and fault.reported_by_id != fault.assigned_to_id:
            return fault.reported_by
        return None

    def waiting_for(self, task) -> list:
        """A fault to triage: the technicians (and leads) of its site, not its reporter; a
        repair to verify without its reporter: the leads, never the repairing technician."""
        fault = task.process.fault
        users = queue_holders(task, site=fault.site_id)
        if task.flow_task is self.triage:
            users = [
                u
                for u in users
                if (services.is_technician(u) or services.is_lead(u))
                and u.pk != fault.reported_by_id
            ]
        else:
            users = [u for u in users if u.pk != fault.assigned_to_id]
        return unless_nobody_else(users)

    def waiting_text(self, task) -> str:
        fault = task.process.fault
        what = " ".join(str(fault.description or "").split())
        what = what[:80] + ("…" if len(what) > 80 else "")
        values = {"site": fault.site, "severity": fault.get_severity_display(), "what": what}
        if task.flow_task is self.triage:
            return _("Fault reported at %(site)s (%(severity)s), to triage: %(what)s") % values
        if task.flow_task is self.repair:
            return _("Fault to repair at %(site)s (%(severity)s): %(what)s") % values
        return _("Repaired at %(site)s, please check the service is back: %(what)s") % values

    def escalate_fault(self, activation) -> None:
        process = activation.process
        services.escalate_fault(
            fault=process.fault,
            url=reverse("faults:process_detail", kwargs={"process_pk": process.pk}),
        )
        # Flag the open human task(s) so the inbox and the task page show it.
        for task in process.task_set.filter(flow_task_type="HUMAN", finished__isnull=True).exclude(
            status="CANCELED"
        ):
            task.data = {**(task.data or {}), "escalated": True}
            task.save(update_fields=["data"])

    def has_view_permission(self, user, obj=None) -> bool:
        if not (user.is_authenticated and user.has_perm("maintenance.view_fault")):
            return False
        fault_id = (getattr(obj, "data", None) or {}).get("fault_id")
        if fault_id:
            return faults_visible_to(user).filter(pk=fault_id).exists()
        return True

    def has_manage_permission(self, user, obj=None) -> bool:
        return user.is_authenticated and user.has_perm(services.TRIAGE_PERM)
