"""Engineering layer: typed entities, relationships, KB imports, conflicts, queries."""
