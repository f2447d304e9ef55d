"""Notifications of alarms: who is told, on which channels, escalation, delivery and receipts."""
