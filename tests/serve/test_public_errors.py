"""What a client is told when a run fails: the status and a message without keys or paths."""

from __future__ import annotations

import pytest

from agenticraft.core.errors import (
    AgentiCraftError,
    ConfigurationError,
    ConversationBusyError,
    MaxTurnsExceededError,
    StreamInterruptedError,
    ToolError,
)
from agenticraft.core.response import AgentResponse
from agenticraft.serve import Encoder, register_encoder
from agenticraft.serve.errors import public_error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ConversationBusyError("c"), 409, "conversation_busy"),
        (MaxTurnsExceededError(3), 422, "run_failed"),
        (StreamInterruptedError("stopped", AgentResponse("")), 409, "run_cancelled"),
        (ConfigurationError("bad /etc/secret option"), 400, "invalid_request_error"),
        (ToolError("in /home/me/tools.py"), 422, "run_failed"),
        (KeyError("/srv/app/settings.py"), 500, "server_error"),
    ],
)
def test_each_failure_has_its_status_and_a_message_without_paths(
    error: BaseException, status: int, code: str
) -> None:
    got_status, message, got_code = public_error(error)
    assert (got_status, got_code) == (status, code)
    assert message and "/etc" not in message and "/home" not in message and "/srv" not in message
    assert isinstance(error, AgentiCraftError) or "internal error" in message


def test_an_encoder_needs_a_name_and_a_path() -> None:
    class Nameless(Encoder):
        path = "/x"

    with pytest.raises(ValueError, match="needs a name and a path"):
        register_encoder(Nameless)  # type: ignore[type-abstract]
