"""Memories: typed, reviewable facts about the user and their projects."""
