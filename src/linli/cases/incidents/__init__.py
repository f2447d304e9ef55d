"""Emergency incidents: an area switched from peacetime to wartime, commanded until closed."""
