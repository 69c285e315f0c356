"""Typed output over real HTTP, offline: an agent on the local OpenAI-protocol server answers
``list[City]`` in native mode (``response_format`` with the JSON schema), and the validated
partial snapshots print while the JSON streams in.

    python examples/structured_output.py
"""

from __future__ import annotations

import asyncio
import json

from pydantic import BaseModel

from agenticraft import Agent
from agenticraft.testing.servers.openai import OpenAIServer


class City(BaseModel):
    name: str
    country: str
    population: int


CITIES = [
    {"name": "Tokyo", "country": "Japan", "population": 13960000},
    {"name": "Osaka", "country": "Japan", "population": 2750000},
    {"name": "Kyoto", "country": "Japan", "population": 1460000},
]


async def main() -> None:
    with OpenAIServer() as server:
        # the server plays the model: the answer's JSON, streamed 7 characters per chunk
        server.add_stream(json.dumps({"result": CITIES}), split_every=7)
        agent = Agent(model="openai:gpt-4o-mini", base_url=server.base_url, api_key="local")
        async with agent.stream("Three cities in Japan", output_type=list[City]) as s:
            async for partial in s.stream_output(debounce=0):
                print(f"{len(partial)} cities so far: {[c.name for c in partial]}")
        print("final:", s.response.output)
        schema = server.output_schemas[0]
        print("schema sent:", json.dumps(schema)[:60] + "...")
        await agent.provider.aclose()


if __name__ == "__main__":
    asyncio.run(main())
