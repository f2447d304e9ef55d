"""Proposals: residents propose and support, staff answer in public, accepted ones are tracked."""
