"""Triage of free-text reports: the classifier, near-duplicates, suggestions and retraining."""
