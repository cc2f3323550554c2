"""TwoNet."""
