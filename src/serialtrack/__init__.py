"""serialtrack: serial-number inventory tracking."""

__version__ = "0.1.0"
