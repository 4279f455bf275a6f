"""Model adapters: scikit-learn (skops artifacts) and LightGBM (its text format)."""
