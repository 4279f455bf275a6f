"""The simulated exchange: matching, fill models, the venue's books, bracket legs, buying power."""
