"""The wheel and sdist carry the forms, templates, examples and migrations, and the wheel
installed (not editable) into a fresh virtual environment works from there alone.

The fresh environment gets the wheel by a plain `pip install`, so the wheel's
declared dependencies are what gets checked; the dependencies come from pip's
download cache, which `.ci/run` has just warmed installing the same versions
into `.venv` (about 40 s here, most of it unpacking PySide6).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import fieldwright
from tests.packaging.conftest import ENABLED, PIP_CACHE, REPO, require_enabled

pytestmark = pytest.mark.slow

# What the installed package must find through importlib.resources.
DATA_FILES = (
    "fieldwright/_data/ui/inspector.ui",
    "fieldwright/_data/ui/theme.qss",
    "fieldwright/_data/resources/examples/hubspot_to_crm/mapping.fwmap.json",
    "fieldwright/_data/resources/examples/hubspot_to_crm/contacts.json",
    "fieldwright/_data/resources/templates/qbt_to_wfn.fwtemplate.json",
    "fieldwright/_data/resources/icons/fieldwright.svg",
    "fieldwright/store/migrations/env.py",
    "fieldwright/store/migrations/script.py.mako",
    "fieldwright/store/migrations/versions/0001_initial_schema.py",
    "fieldwright/py.typed",
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    env: dict[str, str]
    workdir: Path
    install_seconds: float

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command from the fresh environment, in a folder outside the repository."""
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_CACHE_DIR=PIP_CACHE, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _check(result: subprocess.CompletedProcess[str], what: str) -> str:
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    require_enabled("builds the wheel and installs it into a fresh venv (~1 min)")
    if importlib.util.find_spec("build") is None:
        pytest.fail("`build` is missing: pip install -e '.[packaging]'")
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    env = _env()
    _check(
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        ),
        "python -m build",
    )
    wheel = next(dist.glob("fieldwright-*.whl"))
    sdist = next(dist.glob("fieldwright-*.tar.gz"))
    venv = root / "fresh"
    started = time.perf_counter()
    _check(
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
        ),
        "python -m venv",
    )
    _check(
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        ),
        "pip install <wheel>",
    )
    workdir = root / "elsewhere"
    workdir.mkdir()
    yield Installed(
        wheel,
        sdist,
        venv,
        _env(QT_QPA_PLATFORM="offscreen"),
        workdir,
        time.perf_counter() - started,
    )


def test_the_wheel_and_the_sdist_carry_forms_resources_and_migrations(
    installed: Installed,
) -> None:
    in_wheel = set(zipfile.ZipFile(installed.wheel).namelist())
    assert [name for name in DATA_FILES if name not in in_wheel] == []
    with tarfile.open(installed.sdist) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    for name in ("ui/inspector.ui", "resources/icons/fieldwright.svg", "pyproject.toml"):
        assert name in in_sdist
    assert "src/fieldwright/store/migrations/versions/0001_initial_schema.py" in in_sdist
    # Built things never travel back into the sdist.
    assert not [n for n in in_sdist if n.startswith(("build/", "dist/", "packaging/build/"))]


def test_the_install_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = (
        "import fieldwright, fieldwright.resources as r; "
        "print(fieldwright.__file__); print(r.examples_dir())"
    )
    package, examples = _check(installed.run("python", "-c", code), "python -c").split()
    site = installed.venv / "lib"
    assert Path(package).is_relative_to(site), package
    assert Path(examples).is_relative_to(site), examples
    assert not Path(package).is_relative_to(REPO)
    print(f"fresh venv + pip install <wheel>: {installed.install_seconds:.1f} s")


def test_version_comes_from_the_package(installed: Installed) -> None:
    out = _check(installed.run("fieldwright", "--version"), "fieldwright --version")
    assert out.strip() == f"fieldwright, version {fieldwright.__version__}"


def test_validate_a_bundled_example_found_through_the_installed_package(
    installed: Installed,
) -> None:
    code = (
        "from fieldwright.resources import examples_dir; "
        "print(examples_dir() / 'qbt_to_wfn' / 'mapping.fwmap.json')"
    )
    example = _check(installed.run("python", "-c", code), "locating the example").strip()
    out = _check(installed.run("fieldwright", "validate", example), "fieldwright validate")
    assert out.strip() == f"{example}: ok (9 field mappings, 8 tests)"


def test_the_main_window_starts_headless_and_loads_the_bundled_example_and_template(
    installed: Installed,
) -> None:
    result = installed.run("fieldwright", "--self-test")
    out = _check(result, "fieldwright --self-test")
    assert out.startswith("self-test ok: preview 8 records (0 failed), tests 7/7 passed")
    assert "template template_QBT_WFN opened" in out


def test_packaging_tests_are_enabled_in_ci() -> None:
    if os.environ.get("CI") == "true":
        assert ENABLED, "CI must run the packaging tests: .ci/run sets FIELDWRIGHT_PACKAGING_TESTS"
