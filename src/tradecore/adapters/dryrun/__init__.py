"""The dry-run broker: records every order it would send, sends none."""

from tradecore.adapters.dryrun.broker import DryRunBroker

__all__ = ["DryRunBroker"]
