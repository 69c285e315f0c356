"""``create_app``: agents behind an ASGI app (Starlette), one route per protocol.

Each protocol's request is read into a :class:`RunRequest`, the agent streams once, and every
event goes through the protocol's encoder. The first event is awaited before the response
starts, so a run that cannot start (a busy conversation, a provider that refuses) is an HTTP
error with the right status; a failure later is the protocol's own error event. A client that
goes away mid-answer cancels the response task, which closes the run as ``break`` does: the
provider stream is closed and memory keeps the consistent part. A request that is not streamed
watches for the disconnect itself while the run drains, and stops the run the same way.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agenticraft.core.agent import Agent, AgentStream
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.events import RunEvent
from agenticraft.serve.encoder import Encoder, RequestError, RunRequest, encoders
from agenticraft.serve.errors import public_error
from agenticraft.serve.openai_api import OpenAIChatEncoder, error_body, models_body
from agenticraft.serve.vercel import messages_to_ui

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app"]

DEFAULT_MAX_BODY_BYTES = 1_000_000
_log = logging.getLogger("agenticraft.serve")
AgentsLike = Agent[Any] | Sequence[Agent[Any]] | Mapping[str, Agent[Any]]


def _named(agents: AgentsLike) -> dict[str, Agent[Any]]:
    if isinstance(agents, Agent):
        named = {agents.name: agents}
    elif isinstance(agents, Mapping):
        named = dict(agents)
    else:
        named = {}
        for agent in agents:
            if agent.name in named:
                raise ConfigurationError(f"two served agents are named {agent.name!r}: names pick the agent")
            named[agent.name] = agent
    if not named or not all(isinstance(a, Agent) for a in named.values()):
        raise ConfigurationError("create_app() takes an Agent, a list of agents or a dict of name -> Agent")
    return named


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse(error_body(message, code, status), status_code=status)


class _Server:
    """The state behind the routes: the agents, the keys and the limits."""

    def __init__(self, agents: dict[str, Agent[Any]], api_keys: Sequence[str], max_body_bytes: int) -> None:
        self.agents = agents
        self.keys = [k.encode() for k in api_keys]
        self.max_body = max_body_bytes
        self.created = int(time.time())

    def authorize(self, request: Request) -> None:
        if not self.keys:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip().encode() if scheme.lower() == "bearer" else b""
        # compare with every key, always: the time taken says nothing about which one matched
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(given, key)
        if not matched:
            raise RequestError(
                401, "a valid API key is required: Authorization: Bearer <key>", "invalid_api_key"
            )

    async def body(self, request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise RequestError(
                413, f"the request body is larger than {self.max_body} bytes", "body_too_large"
            )
        data = bytearray()
        try:
            async for piece in request.stream():
                data += piece
                if len(data) > self.max_body:
                    raise RequestError(
                        413, f"the request body is larger than {self.max_body} bytes", "body_too_large"
                    )
        except ClientDisconnect:
            raise RequestError(400, "the request body was cut off") from None
        try:
            return json.loads(data)
        except ValueError as exc:
            where = (
                f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            )
            raise RequestError(400, f"the request body is not valid JSON{where}") from None

    def agent(self, name: str | None, strict: bool) -> tuple[str, Agent[Any]]:
        if name is None or (name not in self.agents and not strict):
            first = next(iter(self.agents))
            return first, self.agents[first]
        agent = self.agents.get(name)
        if agent is None:
            served = ", ".join(self.agents)
            raise RequestError(
                404, f"no agent named {name!r} is served here (served: {served})", "model_not_found"
            )
        return name, agent


async def _open(agent: Agent[Any], run: RunRequest) -> tuple[AgentStream, RunEvent | None]:
    """The run's stream and its first event (``None``: the run ended without one)."""
    handle = agent.stream(
        run.prompt,
        history=run.history,
        conversation_id=run.conversation_id if run.history is None else None,
        approvals=run.approvals,
    )
    try:
        return handle, await handle.__anext__()
    except StopAsyncIteration:
        return handle, None
    except BaseException:
        await handle.aclose()
        raise


async def _frames(handle: AgentStream, first: RunEvent | None, encoder: Encoder) -> AsyncIterator[bytes]:
    async with handle:
        for frame in encoder.start():
            yield frame
        try:
            if first is not None:
                for frame in encoder.encode(first):
                    yield frame
                async for event in handle:
                    for frame in encoder.encode(event):
                        yield frame
        except Exception as exc:
            status, message, code = public_error(exc)
            if status == 500:
                _log.exception("run %s failed", encoder.run_id)
            for frame in encoder.fail(message, code):
                yield frame
        for frame in encoder.end():
            yield frame


def _protocol_route(server: _Server, encoder_cls: type[Encoder]) -> Route:
    async def endpoint(request: Request) -> Response:
        try:
            server.authorize(request)
            run = encoder_cls.read_request(await server.body(request), request.headers)
            name, agent = server.agent(
                run.agent or request.query_params.get("agent"), strict=encoder_cls is OpenAIChatEncoder
            )
            run.earlier = (
                list(run.history)
                if run.history is not None
                else agent.conversation(run.conversation_id or "")
            )
            encoder = encoder_cls(run, name, uuid.uuid4().hex)
            handle, first = await _open(agent, run)
        except RequestError as exc:
            return _error(exc.status, exc.message, exc.code)
        except Exception as exc:
            status, message, code = public_error(exc)
            if status == 500:
                _log.exception("a run could not start")
            return _error(status, message, code)
        headers = dict(encoder.headers)
        if run.conversation_id:
            headers["x-conversation-id"] = run.conversation_id
        if run.stream:
            return StreamingResponse(
                _frames(handle, first, encoder), media_type=encoder.media_type, headers=headers
            )
        return await _drained(request, handle, first, encoder, headers)

    return Route(encoder_cls.path, endpoint, methods=["POST"], name=encoder_cls.name)


async def _drain(handle: AgentStream, first: RunEvent | None, encoder: Encoder) -> Response | None:
    try:
        if first is not None:
            encoder.encode(first)
        async for event in handle:
            encoder.encode(event)
    except Exception as exc:
        return _error(*public_error(exc))
    return None


async def _client_gone(request: Request) -> None:
    """Returns when the client disconnects. The body has been read whole, so the next ASGI
    message can only be ``http.disconnect`` (what ``StreamingResponse`` listens for too)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _drained(
    request: Request, handle: AgentStream, first: RunEvent | None, encoder: Encoder, headers: dict[str, str]
) -> Response:
    """A request that is not streamed: the same run and encoder, drained into one answer. A
    client that goes away before it is ready stops the run as a streamed one does."""
    async with handle:
        drain = asyncio.ensure_future(_drain(handle, first, encoder))
        gone = asyncio.ensure_future(_client_gone(request))
        try:
            await asyncio.wait((drain, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not drain.done():  # the client left (or this task was cancelled)
                await handle.aclose()  # the run stops in the drain task; memory stays consistent
        failed = await drain
    if gone.done() and not gone.cancelled() and not handle.finished:
        return Response(status_code=499)  # nobody reads it: nginx's "client closed request"
    if failed is not None:
        return failed
    if isinstance(encoder, OpenAIChatEncoder) and encoder.needs_approval:
        return _error(409, *encoder.approval_error())
    body = encoder.result()
    if body is None:
        return _error(400, f"{encoder.name} answers only streamed requests", "stream_required")
    return JSONResponse(body, headers=headers)


def create_app(
    agent_or_agents: AgentsLike,
    *,
    api_keys: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    protocols: Sequence[type[Encoder]] | None = None,
    chat_page: bool = True,
) -> Starlette:
    """An ASGI app serving ``agent_or_agents`` (an agent, a list, or a dict of name -> agent).

    Routes: ``GET /`` the chat page, ``GET /v1/models``, ``POST /v1/chat/completions``
    (OpenAI), ``POST /api/chat`` (Vercel AI SDK UI message stream), ``POST /ag-ui`` (AG-UI),
    ``GET /api/conversations/{id}`` (a conversation in server memory, as UI messages), and the
    route of every encoder registered with :func:`~agenticraft.serve.register_encoder`.

    ``api_keys``: when given, every API route needs ``Authorization: Bearer <one of them>``.
    ``cors_origins``: the browser origins allowed to call the API (none by default; ``["*"]``
    for any). ``max_body_bytes``: larger request bodies get 413. ``protocols``: the encoders to
    serve (default: every registered one).

    >>> from agenticraft import Agent
    >>> from agenticraft.testing import FunctionModel
    >>> app = create_app(Agent(name="echo", model=FunctionModel(lambda m, t: "hi")))
    >>> sorted(r.path for r in app.routes)[:2]
    ['/', '/ag-ui']
    """
    if max_body_bytes < 1:
        raise ConfigurationError(f"max_body_bytes must be at least 1, got {max_body_bytes}")
    if any(not isinstance(k, str) or not k for k in api_keys):
        raise ConfigurationError("api_keys= takes non-empty strings")
    server = _Server(_named(agent_or_agents), list(api_keys), max_body_bytes)

    async def models(request: Request) -> Response:
        try:
            server.authorize(request)
        except RequestError as exc:
            return _error(exc.status, exc.message, exc.code)
        return JSONResponse(models_body(list(server.agents), server.created))

    async def conversation(request: Request) -> Response:
        try:
            server.authorize(request)
            name, agent = server.agent(request.query_params.get("agent"), strict=False)
        except RequestError as exc:
            return _error(exc.status, exc.message, exc.code)
        conversation_id = request.path_params["conversation_id"]
        messages = agent.conversation(conversation_id)
        return JSONResponse({"id": conversation_id, "agent": name, "messages": messages_to_ui(messages)})

    async def page(request: Request) -> Response:
        return HTMLResponse(_page_html(), headers={"cache-control": "no-cache"})

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/api/conversations/{conversation_id:str}", conversation, methods=["GET"]),
        *(_protocol_route(server, e) for e in (protocols if protocols is not None else encoders())),
    ]
    if chat_page:
        routes.insert(0, Route("/", page, methods=["GET"]))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "no such route", 405: "this route does not take that method"}.get(
            status, "request failed"
        )
        return _error(status, message, "not_found" if status == 404 else "invalid_request_error")

    async def server_error(request: Request, exc: Exception) -> Response:
        _log.exception("internal error on %s", request.url.path)
        return _error(500, "internal error (see the server's log)", "server_error")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for agent in server.agents.values():
                await agent.aclose()

    middleware = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type", "x-conversation-id"],
                expose_headers=["x-conversation-id", "x-vercel-ai-ui-message-stream"],
            )
        )
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )


_PAGE: list[str] = []


def _page_html() -> str:
    if not _PAGE:
        _PAGE.append(resources.files("agenticraft.serve").joinpath("chat.html").read_text("utf-8"))
    return _PAGE[0]
