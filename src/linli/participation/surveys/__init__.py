"""Surveys of an area's residents, their answers, results, and the satisfaction index."""
