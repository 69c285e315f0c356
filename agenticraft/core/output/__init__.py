"""Typed output: ``Agent(output_type=...)``, validated at the end and while it streams.

Loaded only when a run has an output type (it imports pydantic).
"""

from agenticraft.core.output.end import DEFAULT_DEBOUNCE, OutputValidator, StructuredOutput
from agenticraft.core.output.schema import OUTPUT_TOOL, OutputSchema, type_name

__all__ = [
    "DEFAULT_DEBOUNCE",
    "OUTPUT_TOOL",
    "OutputSchema",
    "OutputValidator",
    "StructuredOutput",
    "type_name",
]
