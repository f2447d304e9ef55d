"""A resident's home and verification: the registry match, staff confirming in person."""
