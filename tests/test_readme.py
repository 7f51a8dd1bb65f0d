"""The README's set-up commands are the ones CI runs, so they stay true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_commands() -> list[str]:
    """The fenced bash commands on the README's first screen, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = text.split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", first_screen)


def test_readme_opens_with_exactly_two_commands():
    """One installs the core and runs the baseline, one the test extra and tests."""
    install, tests = setup_commands()
    assert "pip install ." in install and "wargame run baseline_2024" in install
    assert 'pip install -e ".[test]"' in tests and "pytest" in tests


def test_ci_runs_the_readme_commands_verbatim():
    """.ci/run executes both README commands exactly as written."""
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in setup_commands():
        assert command in ci_lines
