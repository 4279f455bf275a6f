"""`tradecore-live`: the live run and what composes it."""
