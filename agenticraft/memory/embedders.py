"""Embedders: texts in, unit-length float32 vectors out, in batches.

- :class:`StaticEmbedder` (the default): WordLlama's ``l2_supercat`` static token embeddings
  (256 dimensions, MIT), whose weights ship inside the ``wordllama`` wheel: nothing is
  downloaded at run time and it runs on any CPU at thousands of texts a second. It was chosen
  by measured recall on ``bench/data/memory_recall.jsonl`` (see ``docs/memory.md``).
- :class:`HashingEmbedder`: hashed words and character n-grams, numpy only. Lexical, not
  semantic: a fallback and a fast stand-in in tests.
- :class:`OpenAIEmbedder` (``POST /v1/embeddings``, any OpenAI-compatible server) and
  :class:`OllamaEmbedder` (``POST /api/embed``), over the providers' own HTTP transport.

Write your own by subclassing :class:`Embedder` and implementing :meth:`Embedder.embed_batch`.
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import ConfigurationError, EmbedderMismatchError, StreamProtocolError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "OllamaEmbedder",
    "OpenAIEmbedder",
    "StaticEmbedder",
    "default_embedder",
    "require_numpy",
]

_INSTALL = "pip install 'agenticraft[memory]'"


def require_numpy() -> Any:
    """The numpy module, or a ConfigurationError saying how to install it."""
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with the memory extra
        raise ConfigurationError(f"long-term memory needs numpy: {_INSTALL}") from None
    return numpy


def normalized(vectors: Any) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    np = require_numpy()
    array = np.asarray(vectors, dtype=np.float32)
    if array.size == 0:
        array = array.reshape(0, array.shape[-1] if array.ndim == 2 else 0)
    if array.ndim != 2:
        raise StreamProtocolError(f"embeddings must be a list of vectors, got shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = array / norms
    return result


class Embedder:
    """Turns texts into vectors. ``name`` identifies the model (a store remembers it), and
    ``dimension`` is the vectors' length (``None`` until the first answer, for a remote model
    whose dimension is not given)."""

    name: str = "embedder"
    dimension: int | None = None
    #: texts sent in one call of :meth:`embed_batch`
    batch_size: int = 64

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Vectors for at most ``batch_size`` texts, one row each."""
        raise NotImplementedError

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit-length vectors for ``texts``, in batches of ``batch_size``."""
        np = require_numpy()
        rows: list[Any] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vectors = normalized(await self.embed_batch(batch))
            if vectors.shape[0] != len(batch):
                raise StreamProtocolError(
                    f"{self.name}: asked for {len(batch)} embeddings, got {vectors.shape[0]}",
                    provider=self.name,
                )
            if self.dimension is None:
                self.dimension = int(vectors.shape[1])
            elif vectors.shape[1] != self.dimension:
                raise EmbedderMismatchError(
                    f"{self.name} returned vectors of dimension {vectors.shape[1]}, expected {self.dimension}"
                )
            rows.append(vectors)
        if not rows:
            return np.zeros((0, self.dimension or 0), dtype=np.float32)  # type: ignore[no-any-return]
        return np.concatenate(rows) if len(rows) > 1 else rows[0]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class StaticEmbedder(Embedder):
    """Mean-pooled static token embeddings from files on disk (a tokenizer and a safetensors
    matrix). By default WordLlama's ``l2_supercat`` 256-d model from the ``wordllama`` wheel."""

    batch_size = 1024

    def __init__(
        self, tokenizer_file: str | None = None, weights_file: str | None = None, *, name: str = ""
    ) -> None:
        self._tokenizer_file = tokenizer_file
        self._weights_file = weights_file
        self.name = name or (
            "wordllama/l2_supercat_256" if weights_file is None else os.path.basename(weights_file)
        )
        self._lock = threading.Lock()
        self._model: tuple[Any, Any] | None = None
        if weights_file is None:
            self.dimension = 256

    def _files(self) -> tuple[str, str]:
        if self._tokenizer_file and self._weights_file:
            return self._tokenizer_file, self._weights_file
        try:
            import wordllama  # type: ignore[import-untyped]
        except ImportError:
            raise ConfigurationError(
                f"the default embedder needs the wordllama package: {_INSTALL}"
            ) from None
        # the files are read directly: wordllama's own loader looks for the tokenizer in a
        # folder that does not exist and then tries to download it
        base = os.path.dirname(wordllama.__file__)
        return (
            os.path.join(base, "tokenizers", "l2_supercat_tokenizer_config.json"),
            os.path.join(base, "weights", "l2_supercat_256.safetensors"),
        )

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                np = require_numpy()
                try:
                    from safetensors.numpy import load_file
                    from tokenizers import Tokenizer
                except ImportError:
                    raise ConfigurationError(
                        f"the default embedder needs tokenizers and safetensors: {_INSTALL}"
                    ) from None
                tokenizer_file, weights_file = self._files()
                tokenizer = Tokenizer.from_file(tokenizer_file)
                tokenizer.no_padding()
                tokenizer.no_truncation()
                tensors = load_file(weights_file)
                matrix = np.asarray(next(iter(tensors.values())), dtype=np.float32)
                self.dimension = int(matrix.shape[1])
                self._model = (tokenizer, matrix)
            return self._model

    def embed_sync(self, texts: Sequence[str]) -> Vectors:
        """The vectors, computed in this thread (the default embedder is CPU work)."""
        np = require_numpy()
        tokenizer, matrix = self._load()
        out = np.zeros((len(texts), matrix.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(tokenizer.encode_batch(list(texts), add_special_tokens=False)):
            ids = encoding.ids
            if ids:
                out[row] = matrix[ids].mean(axis=0)
        return out  # type: ignore[no-any-return]

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        return self.embed_sync(texts)


_WORD = re.compile(r"\w+")


class HashingEmbedder(Embedder):
    """Words and character 3- and 4-grams hashed into ``dimension`` buckets. Deterministic,
    numpy only, no model at all: it matches shared words, not meanings."""

    batch_size = 4096

    def __init__(self, dimension: int = 512) -> None:
        if dimension < 8:
            raise ConfigurationError("HashingEmbedder needs dimension >= 8")
        self.dimension = dimension
        self.name = f"hashing-ngrams-{dimension}"

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        np = require_numpy()
        size = self.dimension or 512
        out = np.zeros((len(texts), size), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.casefold())
            for word in words:
                out[row, zlib.crc32(b"w" + word.encode()) % size] += 1.0
            padded = " " + " ".join(words) + " "
            for n in (3, 4):
                for i in range(len(padded) - n + 1):
                    out[row, zlib.crc32(padded[i : i + n].encode()) % size] += 0.5
        return out  # type: ignore[no-any-return]


class _HTTPEmbedder(Embedder):
    provider = "embeddings"
    default_base_url = ""
    path = ""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        dimension: int | None = None,
        batch_size: int = 64,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not model:
            raise ConfigurationError(f"{type(self).__name__} needs a model name")
        if batch_size < 1:
            raise ConfigurationError("batch_size must be at least 1")
        self.model = model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.api_key = api_key
        self.dimension = dimension
        self.batch_size = batch_size
        self.headers = dict(headers or {})
        self.name = f"{self.provider}:{model}" + (f"@{dimension}" if dimension else "")

    def body(self, texts: Sequence[str]) -> dict[str, Any]:
        raise NotImplementedError

    def vectors(self, answer: dict[str, Any]) -> list[Any]:
        raise NotImplementedError

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        from agenticraft.providers.json_post import post_json

        headers = dict(self.headers)
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        answer = await post_json(
            self.base_url + self.path, self.body(texts), provider=self.provider, headers=headers
        )
        try:
            rows = self.vectors(answer)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise StreamProtocolError(
                f"{self.provider}: the embeddings answer has no vectors where expected ({exc!r})",
                provider=self.provider,
                body=answer,
            ) from None
        return normalized(rows)


class OpenAIEmbedder(_HTTPEmbedder):
    """OpenAI's ``POST /v1/embeddings`` (or any compatible server's). ``dimension`` asks the
    model for shorter vectors (``dimensions`` on the wire) where it supports that."""

    provider = "openai"
    default_base_url = "https://api.openai.com/v1"
    path = "/embeddings"

    def __init__(self, model: str = "text-embedding-3-small", **options: Any) -> None:
        if options.get("api_key") is None:
            options["api_key"] = os.environ.get("OPENAI_API_KEY")
        super().__init__(model, **options)
        self._ask_dimension = options.get("dimension")

    def body(self, texts: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": list(texts), "encoding_format": "float"}
        if self._ask_dimension:
            body["dimensions"] = self._ask_dimension
        return body

    def vectors(self, answer: dict[str, Any]) -> list[Any]:
        data = sorted(answer["data"], key=lambda item: int(item["index"]))
        return [item["embedding"] for item in data]


class OllamaEmbedder(_HTTPEmbedder):
    """Ollama's ``POST /api/embed`` (many inputs per request)."""

    provider = "ollama"
    default_base_url = "http://localhost:11434"
    path = "/api/embed"

    def __init__(self, model: str = "nomic-embed-text", **options: Any) -> None:
        super().__init__(model, **options)

    def body(self, texts: Sequence[str]) -> dict[str, Any]:
        return {"model": self.model, "input": list(texts)}

    def vectors(self, answer: dict[str, Any]) -> list[Any]:
        rows: list[Any] = answer["embeddings"]
        return rows


_DEFAULT: StaticEmbedder | None = None


def default_embedder() -> StaticEmbedder:
    """The shared default embedder (its weights are loaded once per process, on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = StaticEmbedder()
    return _DEFAULT
