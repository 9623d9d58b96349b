"""Context packs and trusted project state."""
