"""The plugin manager: finds installed plugins, loads each in isolation, calls their hooks.

Installed plugins are the entry points of the group ``agenticraft`` (``[project.entry-points
.agenticraft]`` in a plugin's ``pyproject.toml``). Nothing happens at ``import agenticraft``:
the entry points are scanned once, on first need (:meth:`PluginManager.load`), and each hook
is called once per plugin, when its table is first used (:meth:`PluginManager.call`), so a
built-in model string never pays for the scan.

What can go wrong stays with the plugin it belongs to. A plugin that fails to import, whose
hook raises, or whose registration is refused is reported by name with its error (a
:class:`PluginWarning`, and its :class:`PluginInfo` in ``agenticraft plugins``); everything
else goes on working. A plugin whose distribution requires another AgentiCraft version
(``Requires-Dist: agenticraft>=2``, checked before its code is imported) is skipped with a
message. The environment variable ``AGENTICRAFT_PLUGINS`` restricts loading: ``none`` (or
empty) loads no installed plugin and does not even scan, ``a,b`` only those (entry point or
distribution names); the built-in plugin is always there. Installed plugins load in the
order of their names, after the built-in one.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from agenticraft import __version__
from agenticraft.plugins import builtin, specs

if TYPE_CHECKING:
    from importlib.metadata import Distribution, EntryPoint

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_SWITCH",
    "PluginInfo",
    "PluginManager",
    "PluginWarning",
    "plugin_manager",
]

ENTRY_POINT_GROUP = "agenticraft"
ENV_SWITCH = "AGENTICRAFT_PLUGINS"
BUILTIN = "agenticraft"

Status = Literal["loaded", "failed", "incompatible", "disabled", "missing"]


class PluginWarning(UserWarning):
    """A plugin failed to load, raised in a hook, had a registration refused, or was skipped."""


def canonical(name: str) -> str:
    """A distribution or plugin name as packaging compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(slots=True)
class PluginInfo:
    """One plugin as ``agenticraft plugins`` lists it.

    ``status``: ``loaded`` (it may still have ``errors``: a hook that raised, a refused
    registration), ``failed`` (its import failed), ``incompatible`` (its AgentiCraft
    requirement does not hold), ``disabled`` (left out by ``AGENTICRAFT_PLUGINS``) or
    ``missing`` (named in ``AGENTICRAFT_PLUGINS`` but not installed). ``registered`` maps a
    kind (``providers``, ``toolsets``, ``commands``, ``encoders``) to the names it added.
    """

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str = ""
    builtin: bool = False
    status: Status = "loaded"
    errors: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        made = f" ({self.distribution} {self.version})" if self.distribution else ""
        return f"agenticraft plugin {self.name!r}{made}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "builtin": self.builtin,
            "status": self.status,
            "errors": list(self.errors),
            "registered": {kind: list(names) for kind, names in self.registered.items()},
        }


def _switch(value: str | None) -> set[str] | None:
    """``AGENTICRAFT_PLUGINS`` as the names allowed (``None``: every installed plugin)."""
    if value is None:
        return None
    names = {canonical(n.strip()) for n in value.split(",") if n.strip()}
    return set() if names <= {"none"} else names


def _requirement_problem(dist: Distribution) -> str | None:
    """Why ``dist`` cannot run on this AgentiCraft (its ``Requires-Dist`` on agenticraft)."""
    from packaging.requirements import InvalidRequirement, Requirement

    for line in dist.requires or ():
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonical(requirement.name) != "agenticraft":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # a requirement of one of the plugin's own extras, or another Python
        if not requirement.specifier.contains(__version__, prereleases=True):
            return f"it requires agenticraft{requirement.specifier}, and this is agenticraft {__version__}"
    return None


class PluginManager:
    """The plugins of one process: the built-in one, then the installed ones.

    ``path`` (default ``sys.path``) is where distributions are looked for; ``environ`` (default
    ``os.environ``) where ``AGENTICRAFT_PLUGINS`` is read, at :meth:`load` time.
    """

    def __init__(
        self,
        *,
        group: str = ENTRY_POINT_GROUP,
        path: Sequence[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.group = group
        self._path = list(path) if path is not None else None
        self._environ = environ
        self._pluggy = pluggy.PluginManager(specs.PROJECT)
        self._pluggy.add_hookspecs(specs)
        self._infos: dict[str, PluginInfo] = {}
        self._called: dict[str, set[str]] = {}
        self._scanned = False
        self._lock = threading.RLock()
        self._add(PluginInfo(BUILTIN, module=builtin.__name__, builtin=True), builtin)

    # -- what is there ------------------------------------------------------------------
    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin known so far, the built-in one first (call :meth:`load` to scan)."""
        return list(self._infos.values())

    @property
    def scanned(self) -> bool:
        """Whether the installed plugins were looked for yet."""
        return self._scanned

    def get(self, name: str) -> PluginInfo | None:
        return self._infos.get(name)

    def register(self, plugin: object, name: str | None = None) -> PluginInfo:
        """Add a plugin object (a module, a class instance) by hand, as if it were installed;
        its hooks are called when their tables are next used."""
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        with self._lock:
            if name in self._infos:
                raise ValueError(f"a plugin named {name!r} is already registered")
            info = PluginInfo(name, module=getattr(plugin, "__name__", type(plugin).__name__))
            self._add(info, plugin)
            return info

    def _add(self, info: PluginInfo, plugin: object) -> None:
        self._infos[info.name] = info
        if info.status != "loaded":
            return
        try:
            self._pluggy.register(plugin, name=info.name)
        except Exception as exc:  # a hook with arguments its spec does not have, say
            self._fail(info, "failed", f"{type(exc).__name__}: {exc}")
            return
        known = {name for name in dir(specs) if name.startswith("register_")}
        for hook in self._pluggy.get_hookcallers(plugin) or ():
            if hook.name not in known:
                self._fail(
                    info, "loaded", f"unknown hook {hook.name!r} (the hooks: {', '.join(sorted(known))})"
                )

    def _fail(self, info: PluginInfo, status: Status, error: str) -> None:
        error = " ".join(error.split())  # one line (pluggy's messages span several)
        info.status = status
        info.errors.append(error)
        what = {
            "failed": "failed to load",
            "incompatible": "was skipped",
            "loaded": "reported an error",
        }.get(status, status)
        warnings.warn(f"{info.label} {what}: {error}", PluginWarning, stacklevel=3)

    # -- discovery ----------------------------------------------------------------------
    def load(self) -> None:
        """Scan the installed plugins and load the allowed ones (once; later calls return)."""
        with self._lock:
            if self._scanned:
                return
            self._scanned = True
            environ = self._environ if self._environ is not None else os.environ
            allowed = _switch(environ.get(ENV_SWITCH))
            if allowed == set():
                return  # switched off: not even the scan is paid for
            from importlib.metadata import distributions

            seen: set[str] = set()
            entries: list[tuple[EntryPoint, Distribution]] = []
            found_dists = distributions() if self._path is None else distributions(path=self._path)
            for dist in found_dists:
                # the name from the folder's name, as importlib.metadata.entry_points() does:
                # reading every distribution's METADATA would cost far more than the scan
                key = getattr(dist, "_normalized_name", None) or canonical(dist.metadata["Name"] or "")
                if key in seen:
                    continue  # the same distribution twice on the path: the first one wins
                seen.add(key)
                entries += [(e, dist) for e in dist.entry_points if e.group == self.group]
            found = {canonical(e.name) for e, _ in entries} | {
                canonical(d.metadata["Name"] or "") for _, d in entries
            }
            # in the order of their names, so which plugin registers a name first never
            # depends on the order of files in a folder
            for entry, dist in sorted(
                entries, key=lambda pair: (pair[0].name, pair[1].metadata["Name"] or "")
            ):
                self._load_entry(entry, dist, allowed)
            for name in sorted((allowed or set()) - found):
                info = PluginInfo(name, status="missing")
                info.errors.append(f"named in {ENV_SWITCH} but not installed")
                self._infos.setdefault(name, info)

    def _load_entry(self, entry: EntryPoint, dist: Distribution, allowed: set[str] | None) -> None:
        dist_name = dist.metadata["Name"] or ""
        info = PluginInfo(entry.name, dist_name, dist.version, entry.value)
        if entry.name in self._infos:  # listed under its distribution too, not loaded
            self._infos[f"{entry.name} ({dist_name})"] = info
            self._fail(info, "failed", f"the plugin name is taken by {self._infos[entry.name].label}")
            return
        if allowed is not None and not {canonical(entry.name), canonical(dist_name)} & allowed:
            info.status = "disabled"
            info.errors.append(f"not named in {ENV_SWITCH}")
            self._infos[info.name] = info
            return
        problem = _requirement_problem(dist)
        if problem is not None:
            self._infos[info.name] = info
            self._fail(info, "incompatible", problem)
            return
        try:
            plugin = entry.load()
        except (Exception, SystemExit) as exc:  # a module calling sys.exit() must not end the host
            self._infos[info.name] = info
            self._fail(info, "failed", f"{type(exc).__name__}: {exc}")
            return
        self._add(info, plugin)

    # -- hooks --------------------------------------------------------------------------
    def call(self, hook: str, value: Callable[[PluginInfo], Any]) -> None:
        """Call ``hook`` on every plugin not called for it yet, in the order they were added
        (the built-in one first); ``value(info)`` is what that plugin's hook is given (its
        ``register``, which should record what it adds in ``info.registered``)."""
        with self._lock:
            done = self._called.setdefault(hook, set())
            # first come, first served, in the order the plugins were added (pluggy's
            # tryfirst / trylast do not let a plugin jump ahead of the built-in one)
            order = {name: i for i, name in enumerate(self._infos)}
            impls = getattr(self._pluggy.hook, hook).get_hookimpls()
            for impl in sorted(impls, key=lambda i: order.get(i.plugin_name, len(order))):
                info = self._infos.get(impl.plugin_name)
                if info is None or impl.plugin_name in done:
                    continue
                done.add(impl.plugin_name)
                if impl.hookwrapper or impl.wrapper:
                    self._fail(info, "loaded", f"{hook}: a registration hook cannot be a wrapper")
                    continue
                given = value(info)
                try:
                    impl.function(**{name: given for name in impl.argnames})
                except (Exception, SystemExit) as exc:
                    self._fail(info, "loaded", f"{hook} raised {type(exc).__name__}: {exc}")

    def refused(self, info: PluginInfo, kind: str, name: str, why: str) -> None:
        """Record that one registration of ``info`` was refused (the rest of it stands)."""
        self._fail(info, "loaded", f"{kind} {name!r} was not registered: {why}")


_MANAGER: PluginManager | None = None
_MANAGER_LOCK = threading.Lock()


def plugin_manager() -> PluginManager:
    """The process's plugin manager (created on first use; installed plugins load on
    :meth:`PluginManager.load`)."""
    global _MANAGER
    if _MANAGER is None:
        with _MANAGER_LOCK:
            if _MANAGER is None:
                _MANAGER = PluginManager()
    return _MANAGER
