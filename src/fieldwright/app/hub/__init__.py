"""The Integration Hub page: every integration, its items, state and health; integration kinds."""
