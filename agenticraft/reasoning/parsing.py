"""Tolerant parsers for what models write when asked to reason.

Models rarely follow a format exactly: they number steps as ``Step 1:``, ``1.``, ``**1)**`` or
not at all, wrap answers in markdown or ``\\boxed{}``, answer in JSON inside a code fence, or
put the answer in the last sentence. These functions accept all of that and never raise; when
they have to guess, they say so (``ParsedChain.explicit_answer``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ParsedChain",
    "completed_steps",
    "ParsedStep",
    "Proposal",
    "normalize_answer",
    "parse_chain",
    "parse_proposals",
    "parse_value",
]

_MARKUP = re.compile(r"(\*\*|__|`)")
_STEP = re.compile(
    r"^\s*(?:[-*•>#]+\s*)?(?:\*\*|__)?\s*(?:step\s*(\d+)|(\d+)[.):](?=\s))\s*(?:\*\*|__)?\s*[.:)\-\u2013\u2014]?\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+\s*[.)])\s+(.*)$")
_ANSWER = re.compile(
    r"^\s*(?:[-*>#]+\s*)?(?:\*\*|__)?\s*(?:so,?\s+|therefore,?\s+|thus,?\s+)?(?:the\s+)?"
    r"(?:final\s+answer|answer|conclusion)\s*(?:\*\*|__)?\s*(?:is\b\s*[:=\-\u2013\u2014]?|[:=\-\u2013\u2014])\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE,
)
_ANSWER_IS = re.compile(r"(?:the\s+)?(?:final\s+)?answer\s+is\s*:?\s*(.+?)(?:\.\s|\.?$)", re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_CONFIDENCE = re.compile(r"\(?\s*confidence\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(%)?\s*\)?", re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_LABELS: dict[str, float] = {
    "sure": 1.0,
    "certain": 1.0,
    "likely": 0.5,
    "possible": 0.5,
    "maybe": 0.5,
    "unlikely": 0.1,
    "impossible": 0.0,
}
_LABEL = re.compile(r"\b(" + "|".join(_LABELS) + r")\b", re.IGNORECASE)
_SCORE = re.compile(
    r"\b(?:value|score|rating)\b\s*(?:is|[:=])?\s*(-?\d+(?:\.\d+)?)\s*(?:(/)\s*(\d+)|(%))?", re.I
)
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:(/)\s*(\d+)|(%))?")


@dataclass(slots=True)
class ParsedStep:
    """One reasoning step as written by the model."""

    text: str
    confidence: float | None = None


@dataclass(slots=True)
class ParsedChain:
    """Steps and answer of one chain-of-thought reply.

    ``explicit_answer`` is false when no answer marker was found and the answer was taken from
    the last sentence instead; ``numbered`` is true when the steps had explicit markers.
    """

    steps: list[ParsedStep] = field(default_factory=list)
    answer: str = ""
    confidence: float | None = None
    explicit_answer: bool = False
    numbered: bool = False


@dataclass(slots=True)
class Proposal:
    """A candidate next thought; ``final`` when the model marked it as the answer."""

    text: str
    final: bool = False


def _clean(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split())


def _confidence_of(text: str) -> tuple[str, float | None]:
    """Remove a ``(confidence: 0.8)`` / ``Confidence: 80%`` note and return its value in [0, 1]."""
    match = _CONFIDENCE.search(text)
    if match is None:
        return text, None
    value = float(match.group(1))
    if match.group(2) or value > 1:
        value /= 100
    return (text[: match.start()] + text[match.end() :]).strip(), max(0.0, min(1.0, value))


def _from_json(text: str) -> ParsedChain | None:
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data: Any = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        answer = data.get("answer", data.get("final_answer"))
        raw_steps = data.get("steps", data.get("reasoning"))
        if answer is None:
            continue
        steps: list[ParsedStep] = []
        if isinstance(raw_steps, list):
            for s in raw_steps:
                if isinstance(s, dict):
                    body = str(s.get("text", s.get("thought", s.get("step", ""))))
                    conf = s.get("confidence")
                    steps.append(
                        ParsedStep(_clean(body), float(conf) if isinstance(conf, int | float) else None)
                    )
                else:
                    steps.append(ParsedStep(_clean(str(s))))
        elif isinstance(raw_steps, str):
            steps = [ParsedStep(_clean(line)) for line in raw_steps.splitlines() if line.strip()]
        conf = data.get("confidence")
        confidence = float(conf) if isinstance(conf, int | float) else None
        return ParsedChain(steps, _clean(str(answer)), confidence, True)
    return None


def parse_chain(text: str) -> ParsedChain:
    """Split a step-by-step reply into steps and a final answer.

    >>> chain = parse_chain("Step 1: 2 + 2 = 4\\n**Step 2:** double it: 8\\nAnswer: **8**")
    >>> [s.text for s in chain.steps], chain.answer
    (['2 + 2 = 4', 'double it: 8'], '8')
    """
    parsed = _from_json(text)
    if parsed is not None:
        return parsed
    chain = ParsedChain()
    loose: list[str] = []  # lines outside numbered steps, used when there are no numbered steps
    current: list[str] | None = None
    bodies: list[list[str]] = []
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("```")]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        step = _STEP.match(line)
        answer = _ANSWER.match(line)
        if answer is None and step is not None and step.group(3) is not None:
            answer = _ANSWER.match(step.group(3))  # "Step 3: Answer: 5" is the answer, not a step
        if answer is not None:
            rest = answer.group(1).strip()
            while not _clean(rest) and i < len(lines):  # "**Answer:**" with the answer below
                rest = lines[i].strip()
                i += 1
            chain.answer, chain.explicit_answer = rest, True
            for tail in lines[i:]:  # a confidence note may follow the answer
                _, conf = _confidence_of(tail)
                if conf is not None:
                    chain.confidence = conf
            break
        if re.match(r"^\s*confidence\b", line, re.IGNORECASE):
            chain.confidence = _confidence_of(line)[1]
            continue
        if step is not None and step.group(3) is not None:
            current = [step.group(3)]
            bodies.append(current)
        elif current is not None:
            current.append(line.strip())
        else:
            loose.append(line.strip())
    chain.numbered = bool(bodies)
    if not bodies:
        bodies = [[ln] for ln in loose]
    for body in bodies:
        joined, conf = _confidence_of(" ".join(body))
        cleaned = _clean(joined)
        if cleaned:
            chain.steps.append(ParsedStep(cleaned, conf))
    if chain.explicit_answer:
        answer_text, conf = _confidence_of(chain.answer)
        chain.answer = _clean(answer_text).rstrip(".").strip()
        chain.confidence = conf if conf is not None else chain.confidence
        return chain
    return _guess_answer(text, chain)


def completed_steps(partial: str) -> list[ParsedStep]:
    """The steps of a reply still being written that can no longer change: numbered steps that
    another step follows. Used to stream steps while the model is writing."""
    whole_lines = partial[: partial.rfind("\n") + 1]
    if not whole_lines.strip():
        return []
    chain = parse_chain(whole_lines)
    return chain.steps[:-1] if chain.numbered else []


def _guess_answer(text: str, chain: ParsedChain) -> ParsedChain:
    boxed = _BOXED.findall(text)
    if boxed:
        chain.answer, chain.explicit_answer = _clean(boxed[-1]), True
        return chain
    stated = _ANSWER_IS.findall(text)
    if stated:
        chain.answer, chain.explicit_answer = _clean(stated[-1]), True
        return chain
    if chain.steps:  # the last sentence of the last step is the best guess, and is not a step
        last = chain.steps[-1].text
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", last) if s.strip()]
        chain.answer = _clean(sentences[-1]) if sentences else last
    return chain


def normalize_answer(answer: str) -> str:
    """The comparable form of an answer, used for majority votes.

    >>> normalize_answer("**The answer is $1,200.00.**"), normalize_answer(" Paris ")
    ('1200', 'paris')
    """
    text = answer.strip()
    boxed = _BOXED.findall(text)
    if boxed:
        text = boxed[-1]
    text = _MARKUP.sub("", text)
    text = re.sub(
        r"^\s*(?:so,?\s+|therefore,?\s+)?(?:the\s+)?(?:final\s+)?answer\s*(?:is|:)\s*", "", text, flags=re.I
    )
    text = " ".join(text.split()).strip().strip(".!;:,").strip().strip("\"'").strip().lower()
    number = re.fullmatch(r"([-+]?)\$?\s*([\d,]*\.?\d+)\s*(%?)", text)
    if number is not None:
        try:
            value = float(number.group(2).replace(",", ""))
        except ValueError:
            return text
        sign = "-" if number.group(1) == "-" else ""
        shown = str(int(value)) if value.is_integer() else repr(value)
        return f"{sign}{shown}{number.group(3)}"
    return text


def _score(number: str, slash: str | None, denominator: str | None, percent: str | None) -> float:
    value = float(number)
    if slash and denominator and float(denominator) > 0:
        value /= float(denominator)
    elif percent or value > 10:
        value /= 100
    elif value > 1:
        value /= 10
    return max(0.0, min(1.0, value))


def parse_value(text: str) -> tuple[float | None, str]:
    """The value of an evaluation reply in [0, 1] and the label it came from.

    Accepts ``sure`` / ``likely`` / ``impossible`` (the last such word wins: models conclude at
    the end), ``score: 7/10``, ``0.8``, ``80%`` or ``{"value": 0.8}``. ``(None, "")`` when
    nothing could be read.

    >>> parse_value("4 + 6 = 10, 10 * 2 = 20: close to 24.\\nlikely")
    (0.5, 'likely')
    """
    stripped = text.strip()
    try:
        data: Any = json.loads(stripped)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("value", "score", "rating"):
            raw = data.get(key)
            if isinstance(raw, int | float):
                return _score(str(raw), None, None, None), key
            if isinstance(raw, str) and raw.strip().lower() in _LABELS:
                return _LABELS[raw.strip().lower()], raw.strip().lower()
    scored = _SCORE.search(stripped)
    if scored is not None:
        return _score(*scored.groups()), "score"
    labels = _LABEL.findall(stripped)
    if labels:
        label = labels[-1].lower()
        return _LABELS[label], label
    number = _NUMBER.search(stripped)
    if number is not None:
        return _score(*number.groups()), "score"
    return None, ""


_FINAL = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:final\s+answer|answer)\s*(?:\*\*|__)?\s*[:=\-\u2013\u2014]\s*(?:\*\*|__)?\s*(.*)$",
    re.I,
)
_FINAL_IS = re.compile(
    r"^\s*(?:so,?\s+|therefore,?\s+|thus,?\s+)?(?:the\s+)?(?:final\s+)?answer\s+is\s*:?\s*(.+?)\.?\s*$", re.I
)


def final_answer(line: str) -> str | None:
    """The answer a line states, in the usual forms (``Final answer: 24``, ``**Answer:** 24``,
    ``The answer is 24.``, ``\\boxed{24}``), or ``None``."""
    for pattern in (_FINAL, _FINAL_IS):
        match = pattern.match(line)
        if match is not None:
            return match.group(1)
    boxed = _BOXED.search(line)
    return boxed.group(1) if boxed is not None else None


def parse_proposals(text: str, limit: int) -> list[Proposal]:
    """Candidate next thoughts, one per line, numbering and bullets removed, duplicates dropped.

    A line starting with ``Answer:`` is a final answer. Lines that only introduce a list
    (ending with a colon) are skipped.
    """
    proposals: list[Proposal] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("```"):
            continue
        bullet = _BULLET.match(line)
        if bullet is not None:
            line = bullet.group(1)
        step = _STEP.match(line)
        if step is not None and step.group(1) is not None:  # "Step 2: ..." keeps only the body
            line = step.group(3)
        final = final_answer(line)
        if final is not None:
            body, is_final = _clean(final), True
        else:
            body, is_final = _clean(line), False
            if body.endswith(":"):
                continue
        key = body.lower()
        if not body or key in seen:
            continue
        seen.add(key)
        proposals.append(Proposal(body, is_final))
        if len(proposals) >= limit:
            break
    return proposals
