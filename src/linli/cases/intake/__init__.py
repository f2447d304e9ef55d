"""Intake channels from outside the workbench: public reports, cameras, reporters, rate limits."""
