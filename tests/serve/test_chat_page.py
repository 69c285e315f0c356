"""The chat page in a real browser: Debian's headless Chromium driven by Selenium through
Debian's chromedriver (nothing is downloaded). Type a prompt, see tokens stream and a tool
call, press Stop mid-answer, reload and see the conversation; a screenshot is saved as an
artifact (``tmp/artifacts/``, or ``$AGENTICRAFT_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import THINKING, get_weather

from agenticraft import Agent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel, ScriptedTurn

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):  # pragma: no cover - .ci/run installs both
    if os.environ.get("CI"):
        raise RuntimeError(
            "the chat page test needs Debian's chromium and chromium-driver (.ci/run installs them)"
        )
    pytest.skip(
        "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTIFACTS = Path(
    os.environ.get("AGENTICRAFT_ARTIFACTS") or Path(__file__).resolve().parents[2] / "tmp" / "artifacts"
)
STORY = "The lighthouse keeper wrote three lines each night: the wind, the sea, the light. " * 12


def reply(messages: list[Message], tools: object) -> ScriptedTurn | str:
    if messages[-1].role == "tool":
        return f"It is {messages[-1].results[0].content}. {STORY}"
    return ScriptedTurn(
        thinking=THINKING, tool_calls=[ToolCall("get_weather", {"city": "Paris"}, "call_paris")]
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=390,844",
    ):
        options.add_argument(argument)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for downloads
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER or ""), options=options)
    # a phone's viewport (headless windows are at least 500 pixels wide)
    metrics = {"width": 375, "height": 760, "deviceScaleFactor": 2, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, condition: Any, what: str, timeout: float = 20) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d), message=what)


def test_the_chat_page_streams_shows_tools_stops_and_keeps_the_conversation(browser: Any) -> None:
    model = FunctionModel(reply, chunk_size=3, delay=0.03)
    agent = Agent(name="support_agent", model=model, tools=[get_weather])
    with BackgroundServer(create_app(agent)) as server:
        browser.get(server.url + "/")
        _wait(browser, lambda d: d.find_element(By.ID, "agent").text == "· support_agent", "the agent's name")
        box = browser.find_element(By.ID, "prompt")
        box.send_keys("What is the weather in Paris?")
        browser.find_element(By.ID, "send").click()

        # the tool call shows with its arguments and its result
        tool = _wait(
            browser, lambda d: d.find_elements(By.CSS_SELECTOR, "details.tool.done"), "a finished tool call"
        )[0]
        assert "get_weather" in tool.text
        assert '"city": "Paris"' in tool.find_element(By.CSS_SELECTOR, ".input").get_attribute("textContent")
        assert "18°C and sunny in Paris" in tool.find_element(By.CSS_SELECTOR, ".output").get_attribute(
            "textContent"
        )
        # the thinking is there, collapsed
        thinking = browser.find_element(By.CSS_SELECTOR, "details.thinking")
        assert thinking.get_attribute("open") is None
        assert thinking.find_element(By.CSS_SELECTOR, ".body").get_attribute("textContent") == THINKING

        # tokens stream: the answer grows while the Stop button is shown
        def answer(d: Any) -> str:
            texts = d.find_elements(By.CSS_SELECTOR, ".msg.assistant .text")
            return "".join(t.get_attribute("textContent") for t in texts)

        first = _wait(browser, lambda d: len(answer(d)) > 30 and answer(d), "streamed tokens")
        _wait(browser, lambda d: len(answer(d)) > len(first) + 10, "more streamed tokens")
        stop = browser.find_element(By.ID, "stop")
        assert stop.is_displayed() and not browser.find_element(By.ID, "send").is_displayed()
        stop.click()
        _wait(
            browser,
            lambda d: "(stopped)" in d.find_element(By.CSS_SELECTOR, ".msg.assistant").text,
            "the stop note",
        )
        assert browser.find_element(By.ID, "send").is_displayed()
        shown = answer(browser)
        assert shown.startswith("It is 18°C and sunny in Paris.") and len(shown) < len(STORY)

        # the server stopped the run: its stream closed, memory holds the partial answer
        conversation = browser.execute_script("return localStorage.getItem('agenticraft.conversation')")
        _wait(
            browser,
            lambda d: model.open_streams == 0 and len(agent.conversation(conversation)) == 4,
            "the run to stop",
        )
        kept = agent.conversation(conversation)
        assert [m.role for m in kept] == ["user", "assistant", "tool", "assistant"]
        assert kept[-1].interrupted and shown.startswith(kept[-1].text[:40])

        # a reload shows the same conversation, from the server's memory
        browser.refresh()
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.user"), "the stored conversation")
        assert browser.find_element(By.CSS_SELECTOR, ".msg.user").text == "What is the weather in Paris?"
        _wait(browser, lambda d: answer(d).startswith("It is 18°C and sunny in Paris."), "the stored answer")
        assert "18°C and sunny in Paris" in browser.find_element(
            By.CSS_SELECTOR, "details.tool .output"
        ).get_attribute("textContent")
        assert "(stopped)" in browser.find_element(By.CSS_SELECTOR, ".msg.assistant").text
        # phone width: nothing sticks out sideways
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1]

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "chat-page.png"
        browser.find_element(By.CSS_SELECTOR, "details.tool").click()  # open the tool call for the picture
        time.sleep(0.1)  # let the browser paint before the picture (no assertion depends on it)
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000


def test_a_tool_needing_approval_gets_approve_and_deny_buttons(browser: Any) -> None:
    agent = Agent(name="support_agent", model=FunctionModel(reply, chunk_size=40), tools=[get_weather])
    agent.tools["get_weather"].requires_approval = True
    with BackgroundServer(create_app(agent)) as server:
        browser.get(server.url + "/?agent=support_agent")
        browser.find_element(By.ID, "prompt").send_keys("What is the weather in Paris?")
        browser.find_element(By.ID, "send").click()
        buttons = _wait(
            browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".approve button"), "the approval buttons"
        )
        assert [b.text for b in buttons] == ["Approve", "Deny"]
        assert "needs your approval" in browser.find_element(By.CSS_SELECTOR, ".approve").text
        buttons[0].click()
        tool = _wait(
            browser, lambda d: d.find_elements(By.CSS_SELECTOR, "details.tool.done"), "the approved call"
        )[0]
        assert "18°C and sunny in Paris" in tool.find_element(By.CSS_SELECTOR, ".output").get_attribute(
            "textContent"
        )
        _wait(
            browser,
            lambda d: (
                STORY[:30] in d.find_element(By.CSS_SELECTOR, ".msg.assistant").get_attribute("textContent")
            ),
            "the answer after the approval",
        )
        conversation = browser.execute_script(
            "return localStorage.getItem('agenticraft.conversation.support_agent')"
        )
        _wait(browser, lambda d: len(agent.conversation(conversation)) == 4, "the answer in memory")
