"""Research services: signing and verifying manifests."""
