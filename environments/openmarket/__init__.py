"""OpenMarket's environments: values only (see systems/openmarket/settings.py for the schema)."""
