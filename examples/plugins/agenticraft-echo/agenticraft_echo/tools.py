"""The ``echo-tools`` toolset: two tools, and one option (``suffix``)."""

from __future__ import annotations

from agenticraft import FunctionToolset, tool


def echo_tools(suffix: str = "!") -> FunctionToolset:
    """``shout`` and ``reverse``; ``suffix`` ends what ``shout`` says
    (``toolset("echo-tools", suffix="!!")`` or ``--toolset echo-tools:suffix=!!``)."""

    @tool
    def shout(text: str) -> str:
        """Say a text loudly.

        Args:
            text: What to say.
        """
        return text.upper() + suffix

    @tool
    def reverse(text: str) -> str:
        """A text backwards.

        Args:
            text: What to reverse.
        """
        return text[::-1]

    return FunctionToolset([shout, reverse], label="echo-tools")
