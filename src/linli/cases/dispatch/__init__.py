"""Dispatch to people and units: assignees, joint cases, re-assignment and arbitration."""
