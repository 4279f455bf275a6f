"""Application services (use cases): orchestrate the domain through ports."""
