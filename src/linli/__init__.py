"""Linli: a smart-community platform."""
