"""Households: the residents of one unit (flat) of a building, and matching a person to them."""
