"""Notices to residents: written by staff in the residents' languages, aimed at an area, buildings
or a group, scheduled, read online with receipts, and carried to those offline by phone or visit."""
