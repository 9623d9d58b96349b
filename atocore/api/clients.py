"""What LLM clients call on their own: the hooks and MCP.

Policy: nothing proposed here is ever active or trusted. A memory proposed by
a client is a candidate for the user's review; injections only read.

The Claude Code hooks inject context and record a turn.
The prompt and session-start routes are written by hand (raw): their body is
the hook's own JSON payload and they answer with the hook's stdout JSON, or
204 when there is nothing to inject, so the relay can pass bytes through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from atocore.api.interactions import InteractionsOperations
from atocore.api.retrieval import Budget, Mode
from atocore.api.routing import route
from atocore.interactions import REINFORCE_BY_DEFAULT

if TYPE_CHECKING:
    from atocore.context.hook_context import Injection
    from atocore.interactions.service import CapturedInteraction
    from atocore.memory.service import Memory

HOOK_CLIENT = "claude-code"


class ClientOperations(InteractionsOperations):
    @route("POST", "/hooks/prompt", raw=True, only_reads=True)
    def prompt_hook(
        self, payload: dict[str, Any], budget: Budget | None = None, mode: Mode | None = None
    ) -> Injection | None:
        """The context pack to inject for a prompt (UserPromptSubmit), if any."""
        from atocore.context.hook_context import prompt_injection

        return prompt_injection(self.conn, payload, budget=budget, mode=mode or "hybrid")

    @route("POST", "/hooks/session-start", raw=True, only_reads=True)
    def session_start_hook(
        self, payload: dict[str, Any], budget: Budget | None = None
    ) -> Injection | None:
        """The project's trusted state and recent decisions at session start, if any."""
        from atocore.context.hook_context import session_start_injection

        return session_start_injection(self.conn, payload, budget=budget)

    @route("POST", "/hooks/stop", status=201)
    def capture_turn(
        self,
        prompt: str,
        response: str = "",
        cwd: str | None = None,
        session_id: str = "",
        reinforce: bool = REINFORCE_BY_DEFAULT,
    ) -> CapturedInteraction:
        """Record one Claude Code turn (the stop hook), on the side that holds the
        data: the project is detected from ``cwd`` and the pack injected for this
        prompt is attached."""
        from atocore.context.hook_context import detect

        return self.capture_interaction(
            prompt,
            response,
            project=detect("", cwd),
            client=HOOK_CLIENT,
            session_id=session_id,
            reinforce=reinforce,
        )

    @route("POST", "/memory/proposals", status=201)
    def propose_memory(
        self,
        content: str,
        memory_type: str = "knowledge",
        project: str = "",
        confidence: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5,
        actor: str = "llm-client",
    ) -> Memory:
        """Propose a memory for review: always a candidate, whoever asks."""
        from atocore.memory.service import create_memory

        return create_memory(
            self.conn,
            memory_type,
            content,
            project=project,
            status="candidate",
            confidence=confidence,
            reason=f"proposed by {actor}",
            actor=actor,
        )
