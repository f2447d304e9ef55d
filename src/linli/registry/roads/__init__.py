"""Roads of the sites: named lines the maps' base layer draws under the buildings."""
