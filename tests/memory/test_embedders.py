"""Embedders: the packaged default offline, the lexical one, and OpenAI / Ollama embeddings over
real HTTP to the local wire servers (the official SDKs' types check what goes over the wire)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from agenticraft.core.errors import AuthenticationError, EmbedderMismatchError, StreamProtocolError
from agenticraft.core.network_guard import block_real_providers
from agenticraft.memory import (
    Embedder,
    HashingEmbedder,
    OllamaEmbedder,
    OpenAIEmbedder,
    StaticEmbedder,
    VectorMemory,
    default_embedder,
)
from agenticraft.testing.servers import OllamaServer, OpenAIServer, ScriptedResponse
from agenticraft.testing.servers._base import letter_counts


async def test_the_default_embedder_runs_offline_from_the_packaged_weights() -> None:
    embedder = default_embedder()
    assert isinstance(embedder, StaticEmbedder) and embedder is default_embedder()
    with block_real_providers():
        vectors = await embedder.embed(["Ada prefers trains.", "Ada prefers trains.", "Quarterly tax forms"])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[1])
    travel = await embedder.embed(["How does Ada like to travel?"])
    assert float(travel[0] @ vectors[0]) > float(travel[0] @ vectors[2])
    assert embedder.name == "wordllama/l2_supercat_256" and embedder.dimension == 256


async def test_a_static_embedder_from_given_files(tmp_path: object) -> None:
    inner = default_embedder()
    tokenizer, weights = inner._files()
    own = StaticEmbedder(tokenizer, weights, name="mine")
    assert own.name == "mine" and own.dimension is None
    vectors = await own.embed(["hello world", ""])
    assert own.dimension == 256 and not vectors[1].any()


async def test_the_hashing_embedder_matches_words() -> None:
    embedder = HashingEmbedder(128)
    vectors = await embedder.embed(["red bike", "a red bike", "green tea"])
    assert vectors.shape == (3, 128)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert (await embedder.embed([])).shape == (0, 128)
    with pytest.raises(Exception, match="dimension"):
        HashingEmbedder(4)


async def test_openai_embeddings_in_batches_over_http() -> None:
    import openai.types

    texts = [f"text number {i} abc" for i in range(7)]
    with OpenAIServer() as server:
        server.serve_embeddings()
        embedder = OpenAIEmbedder(
            "text-embedding-3-small", base_url=server.base_url, api_key="k", batch_size=3
        )
        vectors = await embedder.embed(texts)
        requests = server.requests
    assert vectors.shape == (7, 26) and embedder.dimension == 26
    expected = np.array([letter_counts(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-6)
    assert [len(r.json()["input"]) for r in requests] == [3, 3, 1]
    for request in requests:
        assert request.path == "/v1/embeddings"
        assert request.headers["authorization"] == "Bearer k"
        body = request.json()
        assert body["model"] == "text-embedding-3-small" and body["encoding_format"] == "float"
        # the body is what the official SDK would send
        assert set(body) <= set(openai.types.EmbeddingCreateParams.__annotations__)


async def test_openai_answers_are_read_as_the_sdk_reads_them() -> None:
    import openai

    with OpenAIServer() as server:
        server.serve_embeddings()
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="k")
        answer = await client.embeddings.create(model="m", input=["ab", "ba c"])
        await client.close()
    assert [d.index for d in answer.data] == [0, 1]
    assert answer.data[1].embedding[:3] == [1.0, 1.0, 1.0]


async def test_openai_asks_for_a_dimension_and_reads_answers_out_of_order() -> None:
    body = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 1, "embedding": [0.0, 2.0]},
            {"object": "embedding", "index": 0, "embedding": [3.0, 0.0]},
        ],
        "model": "m",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    with OpenAIServer() as server:
        server.add(ScriptedResponse.json_body(200, body))
        embedder = OpenAIEmbedder("m", base_url=server.base_url, api_key="k", dimension=2)
        vectors = await embedder.embed(["a", "b"])
        sent = server.requests[0].json()
    assert sent["dimensions"] == 2 and embedder.name == "openai:m@2"
    assert vectors.tolist() == [[1.0, 0.0], [0.0, 1.0]]


async def test_ollama_embeddings_over_http() -> None:
    import ollama

    with OllamaServer() as server:
        server.serve_embeddings()
        embedder = OllamaEmbedder("nomic-embed-text", base_url=server.url, batch_size=2)
        vectors = await embedder.embed(["abc", "xyz", "aaa"])
        requests = server.requests
        client = ollama.AsyncClient(host=server.url)
        answer = await client.embed(model="nomic-embed-text", input=["ab"])
    assert vectors.shape == (3, 26)
    assert [r.path for r in requests] == ["/api/embed", "/api/embed"]
    assert requests[0].json() == {"model": "nomic-embed-text", "input": ["abc", "xyz"]}
    assert list(answer.embeddings[0][:2]) == [1.0, 1.0]


async def test_errors_from_the_embeddings_endpoint_are_typed() -> None:
    with OpenAIServer() as server:
        server.add_error(401, "bad key", type="invalid_request_error")
        embedder = OpenAIEmbedder("m", base_url=server.base_url, api_key="wrong")
        with pytest.raises(AuthenticationError, match="bad key") as caught:
            await embedder.embed(["x"])
        assert caught.value.status_code == 401
        # a 500 is retried, then the answer counts
        server.add_error(500, "busy")
        server.serve_embeddings()
        assert (await OpenAIEmbedder("m", base_url=server.base_url, api_key="k").embed(["ab"])).shape == (
            1,
            26,
        )
        # an answer without vectors, or with too few, is a protocol error
        server.add(ScriptedResponse.json_body(200, {"data": "nope"}))
        with pytest.raises(StreamProtocolError, match="no vectors"):
            await OpenAIEmbedder("m", base_url=server.base_url, api_key="k").embed(["x"])
        server.add(ScriptedResponse.json_body(200, {"object": "list", "data": []}))
        with pytest.raises(StreamProtocolError, match="asked for 1 embeddings, got 0"):
            await OpenAIEmbedder("m", base_url=server.base_url, api_key="k").embed(["x"])
        server.add(ScriptedResponse(200, {"content-type": "application/json"}, [b"[1, 2]"], chunked=False))
        with pytest.raises(StreamProtocolError, match="expected a JSON object"):
            await OpenAIEmbedder("m", base_url=server.base_url, api_key="k").embed(["x"])


async def test_a_model_whose_dimension_changes_is_a_clear_error() -> None:
    calls = iter([[1.0, 0.0], [1.0, 0.0, 0.0]])

    with OllamaServer() as server:
        server.serve_embeddings(lambda text: next(calls))
        embedder = OllamaEmbedder("m", base_url=server.url, batch_size=1)
        with pytest.raises(EmbedderMismatchError, match="dimension 3, expected 2"):
            await embedder.embed(["a", "b"])


async def test_a_store_written_by_one_remote_model_refuses_another(tmp_path: object) -> None:
    with OllamaServer() as server:
        server.serve_embeddings()
        memory = VectorMemory(":memory:", embedder=OllamaEmbedder("a", base_url=server.url))
        await memory.add("hello there", namespace="n")
        other = VectorMemory(memory.store, embedder=OllamaEmbedder("b", base_url=server.url))
        with pytest.raises(EmbedderMismatchError, match="ollama:a"):
            await other.search("hello", namespace="n")
        hits = await memory.search("hello", namespace="n")
    assert [h.text for h in hits] == ["hello there"]


async def test_a_custom_embedder_plugs_in() -> None:
    class Constant(Embedder):
        name = "constant"
        dimension = 3

        async def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
            return np.ones((len(texts), 3), dtype=np.float32)

    memory = VectorMemory(embedder=Constant())
    await memory.add("one", namespace="n")
    assert (await memory.search("anything", namespace="n"))[0].score == pytest.approx(1.0)
    assert "Constant" in repr(memory.embedder) and json.dumps(memory.count("n")) == "1"
