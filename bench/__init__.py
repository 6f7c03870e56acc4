"""Signet's benchmark: Signet against thumbor and the bare Pillow limit. See bench/README.md."""
