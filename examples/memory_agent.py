"""Long-term memory across processes, offline: run it twice with the same file.

    python examples/memory_agent.py remember "My train to Lyon leaves at 7:40." ./memory.db
    python examples/memory_agent.py ask "When does my train leave?" ./memory.db

The first run's model calls the ``remember`` tool (the memory toolset); the second run, a new
process, gets the memory through the recall hook, marked as retrieved context. The model is a
``FunctionModel`` standing in for a real one, so nothing leaves the machine: the memory file,
the embedder and the store are all local.
"""

from __future__ import annotations

import sys
from typing import Any

from agenticraft import Agent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.memory import VectorMemory
from agenticraft.testing import FunctionModel

NAMESPACE = "user:42"


def remembering_model(messages: list[Message], tools: Any) -> Any:
    """Stores the user's sentence once, then confirms."""
    if not any(m.role == "tool" for m in messages):
        return ToolCall("remember", {"text": messages[-1].text}, "call-1")
    return "I'll remember that."


def answering_model(messages: list[Message], tools: Any) -> str:
    """Answers from the retrieved context, the way a real model would be asked to."""
    for message in messages:
        if message.role == "system" and "<retrieved_context" in message.text:
            facts = [
                line[2:].split(" (memory ")[0] for line in message.text.splitlines() if line.startswith("- ")
            ]
            return "From memory: " + facts[0]
    return "I don't remember anything about that."


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[1] not in ("remember", "ask"):
        print(__doc__)
        return 2
    _, action, text, path = argv
    memory = VectorMemory(path)
    if action == "remember":
        agent = Agent(
            model=FunctionModel(remembering_model), toolsets=[memory.as_toolset(namespace=NAMESPACE)]
        )
    else:
        agent = Agent(
            model=FunctionModel(answering_model),
            hooks=[memory.recall_before_each_run(namespace=NAMESPACE, k=1)],
        )
    print(agent.run(text).content)
    memory.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
