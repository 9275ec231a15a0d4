"""Identity providers: what should be in Tessian (Okta, Entra ID, export files)."""
