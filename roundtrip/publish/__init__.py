"""The public progress site for residents: `roundtrip publish PERIOD` (docs/publish.md)."""
