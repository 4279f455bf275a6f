"""Net-of-cost execution: the planner, working parents, restart restore, TCA from the store."""
