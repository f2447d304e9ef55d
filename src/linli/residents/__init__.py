"""Residents: accounts and verification, the portal, notices, bookings (DESIGN.md)."""
