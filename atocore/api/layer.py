"""Every operation in one class: the mixins of atocore/api composed."""

from __future__ import annotations

from atocore.api.admin import AdminOperations
from atocore.api.clients import ClientOperations
from atocore.api.engineering import EngineeringOperations
from atocore.api.ingest import IngestOperations
from atocore.api.interactions import InteractionsOperations
from atocore.api.memory import MemoryOperations
from atocore.api.mirror import MirrorOperations
from atocore.api.projects import ProjectsOperations
from atocore.api.retrieval import RetrievalOperations
from atocore.api.review import ReviewOperations
from atocore.api.state import StateOperations


class Operations(
    ClientOperations,
    RetrievalOperations,
    StateOperations,
    MemoryOperations,
    ReviewOperations,
    InteractionsOperations,
    ProjectsOperations,
    EngineeringOperations,
    MirrorOperations,
    IngestOperations,
    AdminOperations,
):
    """Every operation, run on a local connection."""
