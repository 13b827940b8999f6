"""README's command-line tour runs as written, from a checkout, and writes only under out/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _tour() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A short tour of the command line", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README has no command-line tour"
    return block.group(1).replace("\\\n", " ").splitlines()


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "resources").symlink_to(REPO / "resources")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    expected_exit = {"fieldwright run": 3}  # the tour says so: one line is a dead letter
    ran = 0
    for line in _tour():
        command = line.split("  #", 1)[0].strip()
        if not command or command.startswith("source .venv/"):
            continue  # the test's interpreter is the venv
        done = subprocess.run(
            command,
            shell=True,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        want = next((code for start, code in expected_exit.items() if command.startswith(start)), 0)
        assert done.returncode == want, f"{command}\n{done.stdout}\n{done.stderr}"
        ran += 1
    assert ran == 5
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"out"}, "the tour writes outside out/, which git does not ignore"


def test_every_picture_readme_shows_is_in_the_repository() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert pictures, "README shows no picture"
    for picture in pictures:
        path = REPO / picture
        assert path.is_file(), f"README shows {picture}, which is not in the repository"
        assert picture.startswith("docs/images/"), "README's pictures live under docs/images/"
        assert path.stat().st_size < 400_000, f"{picture} is not small"
