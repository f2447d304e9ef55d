"""Reporting without a smartphone: SMS, a chat app and a voice hotline's keypad."""
