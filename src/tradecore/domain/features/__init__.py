"""Features: a declarative, hashed set of named inputs a model or strategy reads,
computed the same way bar by bar (replay, live) and over whole series (research)."""
