"""Base URLs: what makes one unusable, and how one is shown without its credentials."""

from __future__ import annotations

import pytest

from agenticraft.providers._urls import base_url_problem, redact_url, split_credentials


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:sk-secret@proxy.example/v1", "http://***@proxy.example/v1"),
        ("https://sk-secret@proxy.example:8443", "https://***@proxy.example:8443"),
        ("http://user:p%40ss@[::1]:8000/v1?x=1", "http://***@[::1]:8000/v1?x=1"),
        ("http://[::1:sk-secret@x", "http://***@x"),  # unparsable, still redacted
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
    ],
)
def test_redact_url_hides_the_userinfo(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_split_credentials_takes_the_userinfo_out_decoded() -> None:
    assert split_credentials("http://user:p%40ss@host:1/v1") == ("http://host:1/v1", ("user", "p@ss"))
    assert split_credentials("http://host/v1") == ("http://host/v1", None)


@pytest.mark.parametrize(
    "url", ["http://localhost:11434", "https://api.openai.com/v1", "http://[::1]:8000/v1", "HTTP://Host:/v1"]
)
def test_good_base_urls_have_no_problem(url: str) -> None:
    assert base_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "it is empty"),
        ("htp://x", "the scheme must be http or https, not 'htp'"),
        ("ftp://x", "the scheme must be http or https, not 'ftp'"),
        ("http://x:abc/v1", "the port must be a number from 1 to 65535, not 'abc'"),
        ("http://x:0", "the port must be a number from 1 to 65535, not '0'"),
        ("http://[::1", "it cannot be parsed"),
        ("http://local host", "it contains whitespace"),
        ("localhost:8000", "it needs a scheme: http:// or https://"),
        ("http://", "it names no host"),
    ],
)
def test_base_url_problem_says_what_is_wrong(url: str, problem: str) -> None:
    assert (base_url_problem(url) or "").startswith(problem)
