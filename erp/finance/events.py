"""Domain events of finance (erp.core.events)."""

# An expense waits for another person's approval (above the threshold, or a technician's repair
# cost). Payload: expense (its id), recorder (who recorded it: never asked to approve it).
# erp.finance.notices tells its approvers after the commit.
EXPENSE_WAITING = "finance.expense_waiting"
