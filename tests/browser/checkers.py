"""The Nu Html Checker and axe-core, as the HTML check tests run them.

Both come from npm (package.json): `vnu-jar` runs on the machine's Java and
axe-core is injected into pages that Playwright opens. Without them the
tests skip, unless REQUIRE_BROWSER=1, where a missing checker fails the run.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
# The Java virtual machine takes seconds to start, and checks many files a
# second once it runs: one run checks every page.
VNU_TIMEOUT = 300

# Rules that axe runs: WCAG 2.1 A and AA, and axe's best practices (heading
# order, landmarks), which the issue asks for as well.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def require(condition: bool, reason: str) -> None:
    """Skip when a checker is missing, or fail when REQUIRE_BROWSER=1."""
    if condition:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def require_vnu() -> None:
    require(shutil.which("java") is not None, "java not found (for vnu.jar)")
    require(VNU_JAR.exists(), f"{VNU_JAR} missing: run `npm ci`")


def require_axe() -> None:
    require(AXE_SCRIPT.exists(), f"{AXE_SCRIPT} missing: run `npm ci`")


def vnu_errors(files: list[Path]) -> list[str]:
    """The Nu Html Checker's errors for `files`, one line each."""
    completed = subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("java"),
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--errors-only",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=VNU_TIMEOUT,
        check=False,
    )
    # The checker writes its report to stderr and exits 1 when it finds
    # errors; anything that is not its JSON is a failure to run at all.
    try:
        report = json.loads(completed.stderr)
    except json.JSONDecodeError:
        raise AssertionError(
            f"vnu.jar did not run (exit {completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        ) from None
    return [
        f"{Path(message.get('url', '')).name}:{message.get('lastLine', '?')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in report["messages"]
        if message["type"] in ("error", "non-document-error")
    ]


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now.

    The page's context must bypass the content security policy, which
    would refuse the injected script.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async (tags) => {
          const results = await axe.run(document, {
            runOnly: {type: "tag", values: tags},
          });
          return results.violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.map((node) => node.target.join(" ")),
          }));
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(violation["targets"][:5])
        for violation in violations
    ]
