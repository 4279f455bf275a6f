"""Research tools that compose the simulator for learning: the portfolio RL
environment and the policies trained in it (docs/rl-environment.md)."""
