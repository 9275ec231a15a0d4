"""Browser-free core of the Tessian connector."""
