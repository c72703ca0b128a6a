"""Print the pinned requirements from pyproject.toml, one per line.

Used by ``scripts/setup`` and the Dockerfile: the project itself is a set of
top-level apps next to ``manage.py``, not an installable package, so we
install its dependencies (and, with ``--group dev``, the dev group) only.
Works with any pip, unlike ``pip install --group`` (pip 25.1+).
"""

import argparse
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def expand(groups: dict, name: str, seen: tuple[str, ...] = ()) -> list[str]:
    if name in seen:
        raise SystemExit(f"dependency group {name!r} includes itself")
    if name not in groups:
        raise SystemExit(f"pyproject.toml has no dependency group {name!r}")
    out: list[str] = []
    for item in groups[name]:
        if isinstance(item, dict):
            out += expand(groups, item["include-group"], (*seen, name))
        else:
            out.append(item)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", default=[], help="also this group")
    args = parser.parse_args()
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    requirements = list(data["project"]["dependencies"])
    for group in args.group:
        requirements += expand(data.get("dependency-groups", {}), group)
    sys.stdout.write("".join(f"{line}\n" for line in requirements))


if __name__ == "__main__":
    main()
