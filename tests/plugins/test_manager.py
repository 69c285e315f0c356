"""The plugin manager in process: discovery, isolation of failures, the version check, the
environment switch, and the tables the hooks fill (a manager of the test's own each time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import FULL_PLUGIN, make_plugin

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.model_registry import ModelRegistry
from agenticraft.plugins import PluginManager, PluginWarning, hookimpl
from agenticraft.plugins.commands import PluginCLI
from agenticraft.plugins.registration import fill_commands, fill_encoders, fill_model_registry
from agenticraft.plugins.toolsets import ToolsetTable


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def manager_for(site: Path, switch: str | None = None) -> PluginManager:
    environ = {} if switch is None else {"AGENTICRAFT_PLUGINS": switch}
    return PluginManager(path=[str(site)], environ=environ)


def registry_for(manager: PluginManager) -> ModelRegistry:
    def load(registry: ModelRegistry, *, installed: bool) -> None:
        fill_model_registry(registry, installed=installed, manager=manager)

    return ModelRegistry(loader=load)


def test_a_plugin_registers_a_provider_a_toolset_a_command_and_an_encoder(site: Path) -> None:
    name, module = make_plugin(site, FULL_PLUGIN)
    manager = manager_for(site)
    models = registry_for(manager)
    assert Agent(model=models.resolve(f"{name}:big")).run("hello").content == f"{name} says hello"
    assert models.parse(f"{name}-fast") == (name, f"{name}-fast")  # its bare-name prefix
    assert models.owner(name) == name and models.owner("openai") is None
    table = ToolsetTable(manager)
    assert list(table.entries()) == [f"{name}-tools"]
    served: list[Any] = []
    fill_encoders(lambda encoder, replace: served.append(encoder), manager=manager)
    assert [e.name for e in served] == ["openai", "vercel-ai", "ag-ui", f"{name}-plain"]
    cli = PluginCLI(reserved={"run"})
    fill_commands(cli, manager=manager)
    assert list(cli.commands) == [f"{name}-hi"]
    [builtin, info] = manager.plugins
    assert builtin.builtin and builtin.registered["providers"][0] == "openai"
    assert (info.name, info.distribution, info.version, info.module) == (
        name,
        f"agenticraft-{name}",
        "1.0",
        module,
    )
    assert info.status == "loaded" and info.errors == []
    assert info.registered == {
        "providers": [name],
        "toolsets": [f"{name}-tools"],
        "encoders": [f"{name}-plain"],
        "commands": [f"{name}-hi"],
    }


def test_built_in_model_strings_resolve_without_scanning_for_plugins(site: Path) -> None:
    make_plugin(site, FULL_PLUGIN)
    manager = manager_for(site)
    models = registry_for(manager)
    for model in ("openai:gpt-4o-mini", "gpt-4o", "claude-sonnet-4-6", "llama3.2", "ollama:qwen3"):
        models.parse(model)
    assert not manager.scanned
    with pytest.raises(ConfigurationError, match="agenticraft plugins"):
        models.parse("nobody-knows-this-model")
    assert manager.scanned  # a string the built-ins cannot resolve is a first need


def test_a_plugin_cannot_take_a_built_in_name_nor_shadow_a_built_in_prefix(site: Path) -> None:
    name, _ = make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl
        from agenticraft.testing import FunctionModel

        @hookimpl
        def register_providers(register):
            register("openai", lambda model, **kw: FunctionModel(lambda m, t: "fake"))
            register("{name}", lambda model, **kw: FunctionModel(lambda m, t: "mine"), prefixes=["gpt-4"])
        """,
    )
    manager = manager_for(site)
    models = registry_for(manager)
    with pytest.warns(PluginWarning, match=r"provider 'openai' was not registered: .*by AgentiCraft"):
        assert models.names[:1] == ["openai"]
    assert models.parse("gpt-4o") == ("openai", "gpt-4o")  # the built-in prefix still wins
    assert models.owner("openai") is None
    [info] = [p for p in manager.plugins if p.name == name]
    assert info.status == "loaded" and info.registered == {"providers": [name]}  # the rest stands


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_work(site: Path) -> None:
    broken, _ = make_plugin(site, "import agenticraft_no_such_module\n", name="broken")
    make_plugin(site, FULL_PLUGIN, name="good")
    manager = manager_for(site)
    models = registry_for(manager)
    with pytest.warns(
        PluginWarning,
        match=r"plugin 'broken' \(agenticraft-broken 1.0\) failed to load: "
        r"ModuleNotFoundError: No module named 'agenticraft_no_such_module'",
    ):
        assert models.parse("good:x") == ("good", "x")
    info = manager.get(broken)
    assert info is not None and info.status == "failed"
    assert info.errors == ["ModuleNotFoundError: No module named 'agenticraft_no_such_module'"]
    assert models.parse("openai:gpt-4o") == ("openai", "gpt-4o")


def test_a_plugin_that_exits_at_import_or_in_a_hook_is_reported_not_the_end_of_the_process(
    site: Path,
) -> None:
    quitter, _ = make_plugin(site, "raise SystemExit(3)\n", name="quitter")
    exiter, _ = make_plugin(
        site,
        """
        import sys
        from agenticraft.plugins import hookimpl

        @hookimpl
        def register_providers(register):
            sys.exit("no licence")
        """,
        name="exiter",
    )
    make_plugin(site, FULL_PLUGIN, name="good")
    manager = manager_for(site)
    models = registry_for(manager)
    with pytest.warns(PluginWarning):
        assert models.parse("good:x") == ("good", "x")
    failed, loaded = manager.get(quitter), manager.get(exiter)
    assert failed is not None and failed.status == "failed" and failed.errors == ["SystemExit: 3"]
    assert loaded is not None and loaded.errors == ["register_providers raised SystemExit: no licence"]


def test_a_hook_that_raises_is_reported_and_the_plugin_s_other_hooks_work(site: Path) -> None:
    name, _ = make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl
        from agenticraft import FunctionToolset

        @hookimpl
        def register_providers(register):
            raise RuntimeError("no key for the acme API")

        @hookimpl
        def register_toolsets(register):
            register("{name}-tools", lambda: FunctionToolset([]))
        """,
    )
    manager = manager_for(site)
    models = registry_for(manager)
    with pytest.warns(PluginWarning, match="register_providers raised RuntimeError: no key for the acme API"):
        assert name not in models.names
    assert list(ToolsetTable(manager).entries()) == [f"{name}-tools"]
    info = manager.get(name)
    assert info is not None and info.status == "loaded"
    assert info.errors == ["register_providers raised RuntimeError: no key for the acme API"]


def test_a_plugin_requiring_another_agenticraft_is_skipped_before_import(site: Path) -> None:
    # its module would raise if imported: the check happens first
    name, _ = make_plugin(site, "raise SystemError('imported')\n", requires=("agenticraft>=99",))
    ok, _ = make_plugin(site, FULL_PLUGIN, requires=("agenticraft>=0.1,<99", "agenticraft>=99; extra == 'x'"))
    manager = manager_for(site)
    with pytest.warns(
        PluginWarning, match=r"was skipped: it requires agenticraft>=99, and this is agenticraft 0\.1"
    ):
        manager.load()
    skipped, loaded = manager.get(name), manager.get(ok)
    assert skipped is not None and skipped.status == "incompatible"
    assert loaded is not None and loaded.status == "loaded"  # an extra's requirement does not count


def test_the_switch_none_loads_nothing_and_does_not_scan(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_plugin(site, "raise SystemError('imported')\n")
    for value in ("none", "", " NONE "):
        manager = manager_for(site, value)
        manager.load()
        assert [p.name for p in manager.plugins] == ["agenticraft"]
    calls: list[object] = []
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "distributions", lambda **kw: calls.append(kw) or [])
    manager_for(site, "none").load()
    assert calls == []


def test_the_switch_with_names_loads_only_those(site: Path) -> None:
    wanted, _ = make_plugin(site, FULL_PLUGIN, name="wanted")
    other, _ = make_plugin(site, "raise SystemError('imported')\n", name="other")
    by_dist, _ = make_plugin(site, FULL_PLUGIN, name="bydist")
    manager = manager_for(site, "wanted, agenticraft-bydist, ghost")
    manager.load()
    status = {p.name: (p.status, p.errors) for p in manager.plugins}
    assert status[wanted] == ("loaded", [])
    assert status[by_dist] == ("loaded", [])
    assert status[other] == ("disabled", ["not named in AGENTICRAFT_PLUGINS"])
    assert status["ghost"] == ("missing", ["named in AGENTICRAFT_PLUGINS but not installed"])


def test_an_unknown_hook_and_a_bad_signature_are_the_plugin_s_errors(site: Path) -> None:
    typo, _ = make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl

        @hookimpl
        def register_model(register):
            pass
        """,
    )
    bad, _ = make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl

        @hookimpl
        def register_providers(register, registry):
            pass
        """,
    )
    manager = manager_for(site)
    with pytest.warns(PluginWarning) as caught:
        manager.load()
    assert len(caught) == 2
    typo_info, bad_info = manager.get(typo), manager.get(bad)
    assert typo_info is not None and typo_info.errors[0].startswith("unknown hook 'register_model'")
    assert bad_info is not None and bad_info.status == "failed"
    assert "registry" in bad_info.errors[0]
    assert all("\n" not in str(w.message) for w in caught)  # one line each, on the command line too
    assert "\n" not in bad_info.errors[0]


def test_refused_toolsets_commands_and_encoders_are_reported(site: Path) -> None:
    name, _ = make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl
        from agenticraft.serve.openai_api import OpenAIChatEncoder

        @hookimpl
        def register_toolsets(register):
            register("bad:name", lambda: None)
            register("{name}-ok", "not callable")

        @hookimpl
        def register_commands(cli):
            cli.command("run", lambda args: 0, help="clash")
            cli.command("Bad Name", lambda args: 0)
            cli.command("{name}-ok", lambda args: 0).argument("--x", callback=print)

        class Mine(OpenAIChatEncoder):
            pass

        @hookimpl
        def register_encoders(register):
            register(Mine)
        """,
    )
    manager = manager_for(site)
    with pytest.warns(PluginWarning):
        assert ToolsetTable(manager).entries() == {}
        fill_commands(PluginCLI(reserved={"run"}), manager=manager)
        fill_encoders(__import__("agenticraft.serve.encoder").serve.encoder.register_encoder, manager=manager)
    info = manager.get(name)
    assert info is not None
    joined = "\n".join(info.errors)
    for expected in (
        "toolset 'bad:name' was not registered",
        f"toolset '{name}-ok' was not registered: its factory is not callable",
        "command 'run' was not registered: AgentiCraft has a command of that name",
        "command 'Bad Name' was not registered",
        "register_commands raised TypeError",  # an argparse option outside the stable API
        "encoder 'openai' was not registered: OpenAIChatEncoder already serves 'openai'",
    ):
        assert expected in joined


def test_a_plugin_registered_by_hand_joins_tables_already_in_use() -> None:
    manager = PluginManager(environ={"AGENTICRAFT_PLUGINS": "none"})
    models = registry_for(manager)
    assert models.parse("gpt-4o")[0] == "openai"  # the built-ins are loaded already

    class Acme:
        @hookimpl
        def register_providers(self, register: Any) -> None:
            from agenticraft.testing import FunctionModel

            register("acme", lambda model, **kw: FunctionModel(lambda m, t: f"acme {model}"))

    info = manager.register(Acme(), "acme")
    assert Agent(model=models.resolve("acme:fast")).run("hi").content == "acme fast"
    assert info.registered == {"providers": ["acme"]}
    with pytest.raises(ValueError, match="already registered"):
        manager.register(Acme(), "acme")


def test_toolsets_by_name_build_with_their_config(site: Path) -> None:
    name, _ = make_plugin(
        site,
        """
        from agenticraft import Capability, FunctionToolset
        from agenticraft.plugins import hookimpl

        def make(greeting="hello"):
            def greet() -> str:
                '''Greet.'''
                return greeting
            return FunctionToolset([greet], label="greet")

        @hookimpl
        def register_toolsets(register):
            register("{name}-greet", make, description="greets")
            register("{name}-bundle", lambda: Capability(instructions=["Be brief."]))
        """,
    )
    table = ToolsetTable(manager_for(site))
    made = table.build(f"{name}-greet", {"greeting": "hey"})
    assert made.label == "greet"
    assert table.entries()[f"{name}-greet"].description == "greets"
    with pytest.raises(ConfigurationError, match=f"toolset '{name}-greet' \\(plugin '{name}'\\).*unexpected"):
        table.build(f"{name}-greet", {"colour": "red"})
    with pytest.raises(ConfigurationError, match=f"no toolset named 'nope' .*{name}-bundle, {name}-greet"):
        table.build("nope", {})


def test_a_provider_named_in_the_model_string_beats_a_bare_name_prefix(site: Path) -> None:
    # "mistral" is a bare-name prefix of Ollama's; "mistral:large" names a provider first
    assert registry_for(manager_for(site)).parse("mistral:large") == ("ollama", "mistral:large")
    make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl
        from agenticraft.testing import FunctionModel

        @hookimpl
        def register_providers(register):
            register("mistral", lambda model, **kw: FunctionModel(lambda m, t: model))
        """,
        name="mistral",
    )
    models = registry_for(manager_for(site))
    assert models.parse("mistral:large") == ("mistral", "large")
    assert models.parse("mistral-nemo") == ("ollama", "mistral-nemo")  # a bare name: still Ollama's


def test_two_plugins_with_one_name_and_a_trylast_hook(site: Path) -> None:
    first, _ = make_plugin(site, FULL_PLUGIN, name="twin")
    # the same entry-point name from a second distribution
    (site / "other_twin-1.0.dist-info").mkdir()
    (site / "other_twin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: other-twin\nVersion: 1.0\n"
    )
    (site / "other_twin-1.0.dist-info" / "entry_points.txt").write_text("[agenticraft]\ntwin = os\n")
    make_plugin(
        site,
        """
        from agenticraft.plugins import hookimpl
        from agenticraft.testing import FunctionModel

        @hookimpl(trylast=True)
        def register_providers(register):
            register("ollama", lambda model, **kw: FunctionModel(lambda m, t: "not ollama"))
        """,
        name="early",
    )
    manager = manager_for(site)
    models = registry_for(manager)
    with pytest.warns(PluginWarning):
        models.names  # noqa: B018
    assert models.owner("ollama") is None  # the built-in plugin still came first
    [twin] = [p for p in manager.plugins if p.distribution == "other-twin"]
    assert (
        twin.status == "failed" and "the plugin name is taken by agenticraft plugin 'twin'" in twin.errors[0]
    )
    assert manager.get(first).status == "loaded"  # type: ignore[union-attr]
