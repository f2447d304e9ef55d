"""Votes and participatory budgets: one verified resident, one secret ballot."""
