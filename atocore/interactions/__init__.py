"""Interactions: captured LLM prompt/response pairs and what context they used."""

# The one reinforcement default of capture, at every door (CLI, HTTP, MCP,
# hooks); a caller opts out per capture. Safe to have on: reinforcement only
# raises the confidence of memories a person already reviewed (capped at 1.0)
# and never promotes a candidate. Kept here, import-light, for the hooks.
REINFORCE_BY_DEFAULT = True
