"""roundtrip: the quarterly reporting round trip of an action programme through Excel."""

__version__ = "0.1.0"
