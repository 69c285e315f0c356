"""200 clients at once on distinct conversations: each gets exactly its own answer, from its
own memory, and each conversation keeps exactly its own messages."""

from __future__ import annotations

import asyncio

import httpx
from serve_helpers import sse_json

from agenticraft import Agent
from agenticraft.core.messages import Message
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel


def test_200_concurrent_clients_on_distinct_conversations_get_exactly_their_own_answers() -> None:
    def answer(messages: list[Message], tools: object) -> str:
        mine = [m.text for m in messages if m.role == "user"]
        return f"{mine[-1]} | earlier: {','.join(mine[:-1]) or 'none'}"

    agent = Agent(name="support_agent", model=FunctionModel(answer, chunk_size=3))
    clients = 200

    async def one(client: httpx.AsyncClient, n: int) -> tuple[int, str]:
        body = {
            "model": "support_agent",
            "stream": True,
            "messages": [{"role": "user", "content": f"client {n}"}],
        }
        response = await client.post(
            "/v1/chat/completions", json=body, headers={"x-conversation-id": f"conv-{n}"}
        )
        text = "".join(
            e["choices"][0]["delta"].get("content", "") for e in sse_json(response.text) if e.get("choices")
        )
        return n, text

    async def main(url: str) -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
            results = await asyncio.gather(*(one(client, n) for n in range(clients)))
        for n, text in results:
            assert text == f"client {n} | earlier: seed {n}"  # its own prompt, its own memory

    for n in range(clients):  # each conversation already holds one exchange of its own
        agent.memory.append([Message.user(f"seed {n}"), Message.assistant("ok")], conversation_id=f"conv-{n}")
    with BackgroundServer(create_app(agent)) as server:
        asyncio.run(main(server.url))
    for n in range(clients):
        kept = agent.conversation(f"conv-{n}")
        assert [m.text for m in kept] == [f"seed {n}", "ok", f"client {n}", f"client {n} | earlier: seed {n}"]
