"""Research: performance metrics and manifests."""
