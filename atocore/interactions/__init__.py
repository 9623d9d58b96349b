"""Interactions: captured LLM prompt/response pairs and what context they used."""
