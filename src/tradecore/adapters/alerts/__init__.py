"""Alert sinks: adapters of the Alerts port."""
