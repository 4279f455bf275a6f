"""Books services: read the fill history from the store and build the books views."""
