"""Step deadlines on work calendars, warnings, escalation, the overdue ledger and supervision."""
