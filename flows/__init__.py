"""The browser side: the only package that imports playwright."""
