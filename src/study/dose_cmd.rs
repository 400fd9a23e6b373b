//! CLI command `dose` (placeholder, filled in by its issue's work).
