"""Participation: proposals, votes and participatory budgets, surveys, council meetings."""
