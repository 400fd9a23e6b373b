//! CLI command `beam` (placeholder, filled in by its issue's work).
