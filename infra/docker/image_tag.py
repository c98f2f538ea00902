"""Print the image tag (without the variant) that the pins imply: <version>-ray<ray>-tf<tensorflow>.

One place derives it, for build.sh and for the tests that check every config names an image of the current pins.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s#]+)", line)
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def image_tag() -> str:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    p = pins()
    return f"{version}-ray{p['ray']}-tf{p['tensorflow-cpu']}"


if __name__ == "__main__":
    sys.stdout.write(image_tag() + "\n")
