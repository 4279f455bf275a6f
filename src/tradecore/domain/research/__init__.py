"""Research: performance metrics and statistics, splitters, manifests."""
