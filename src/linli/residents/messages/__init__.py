"""Telling a resident something in their language: the portal's inbox, SMS and e-mail."""
