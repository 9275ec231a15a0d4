"""One module per command of the `tessian-connector` command line (see connector.cli)."""
