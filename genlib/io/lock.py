"""The locked environment: the exact versions requirements.lock pins, and where an install or a run differs.

The README installs from the lock (`pip install --require-hashes -r requirements.lock`), so two users of
one commit run the same code. Another install is allowed, but said: `genlib check-config` warns in one
line naming each package and both versions, and the report flags runs whose recorded versions differ.
The lock is made by uv from pyproject.toml (the README's "Refreshing the lock"); CI checks that the two
agree (`pyproject_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# A pinned line of the lock: "name==version" then markers after ";" or a line continuation.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?\s*$")


def normalized(name: str) -> str:
    """A package name as PEP 503 compares names: lower case, runs of -, _ and . as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    version: str
    marker: str | None  # the environment marker it is locked under ("sys_platform == 'linux'"), if any


def locked_pins(path: str | Path) -> dict[str, Pin]:
    """Every package the lock file at `path` pins, by normalized name."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            pins[normalized(name)] = Pin(version, marker or None)
    return pins


@dataclass(frozen=True)
class Difference:
    package: str
    locked: str
    found: str | None  # None: not installed

    def describe(self) -> str:
        found = "not installed" if self.found is None else self.found
        return f"{self.package} {found} (lock: {self.locked})"


def install_differences(pins: Mapping[str, Pin]) -> list[Difference]:
    """Locked packages whose installed version differs, or that are missing where their marker applies."""
    from packaging.markers import Marker

    differences = []
    for name, pin in sorted(pins.items()):
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            if pin.marker is None or Marker(pin.marker).evaluate():
                differences.append(Difference(name, pin.version, None))
            continue
        if found != pin.version:
            differences.append(Difference(name, pin.version, found))
    return differences


def recorded_differences(recorded: Mapping[str, str | None], pins: Mapping[str, Pin]) -> list[Difference]:
    """The versions a run recorded (package -> version) that differ from the lock's; unlocked packages are skipped."""
    return [
        Difference(name, pins[normalized(name)].version, version)
        for name, version in sorted(recorded.items())
        if normalized(name) in pins and version != pins[normalized(name)].version
    ]


def differences_line(differences: list[Difference], lock: str | Path) -> str:
    """One line naming every package that differs, with both versions."""
    return f"the installed versions differ from {lock}: " + ", ".join(d.describe() for d in differences)


def pyproject_problems(pyproject: str | Path, pins: Mapping[str, Pin]) -> list[str]:
    """Where pyproject.toml and the lock disagree: a dependency (the dev extra included) the lock does not pin,
    or pins at a version the dependency's range does not admit."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    problems = []
    for text in wanted:
        requirement = Requirement(text)
        pin = pins.get(normalized(requirement.name))
        if pin is None:
            problems.append(f"{requirement.name}: in pyproject.toml, not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(
                f"{requirement.name}: the lock pins {pin.version}, pyproject.toml asks for {requirement.specifier}"
            )
    return problems
