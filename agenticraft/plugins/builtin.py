"""The built-in plugin: AgentiCraft's own providers and stream encoders, registered through the
same hooks as any installed plugin (first, so an installed plugin cannot take their names).

Each hook imports what it registers only when it is called: the providers' adapter modules
still load only when one of their models is resolved, the encoders when a server is built.
"""

from __future__ import annotations

from typing import Any

from agenticraft.plugins.specs import hookimpl

__all__ = ["register_encoders", "register_providers"]


@hookimpl
def register_providers(register: Any) -> None:
    from agenticraft.providers.registry import register_builtin_providers

    register_builtin_providers(register)


@hookimpl
def register_encoders(register: Any) -> None:
    from agenticraft.serve.agui import AGUIEncoder
    from agenticraft.serve.openai_api import OpenAIChatEncoder
    from agenticraft.serve.vercel import VercelEncoder

    for encoder in (OpenAIChatEncoder, VercelEncoder, AGUIEncoder):
        register(encoder)
