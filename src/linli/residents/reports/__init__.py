"""A resident's own reports: made through the public report flow, linked to their account,
followed, confirmed and rated, and told of changes."""
