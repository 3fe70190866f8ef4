"""What a student does in JupyterLab and Voilà, as functions the browser tests call.

Kept apart from the tests so that every notebook is driven the same way: open it, run it all in a
fresh kernel, read its outputs.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

RUN_SECONDS = 180
ERROR_MIME = "application/vnd.jupyter.stderr"

# A code cell counts as run once its prompt shows a number: "[7]:".
ALL_CELLS_RUN_JS = """(expected) => {
    const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
        .find(p => p.offsetParent !== null);
    if (!panel) return false;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
        .map(e => e.textContent.trim());
    return prompts.length === expected && prompts.every((t, i) => t === `[${i + 1}]:`);
}"""


def shut_down_kernels(server: Any) -> None:
    """End every session and kernel an earlier test left on the server (its REST API).

    A test that opens a notebook then gets a new kernel, not the one an earlier test ran the
    same notebook in, and kernels do not pile up: a server holding six idle kernels sometimes
    never finished restarting the seventh on a busy two-core machine.
    """
    def call(method: str, path: str) -> Any:
        request = urllib.request.Request(server.url(path), method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    for session in call("GET", "/api/sessions"):
        call("DELETE", f"/api/sessions/{session['id']}")
    for kernel in call("GET", "/api/kernels"):
        call("DELETE", f"/api/kernels/{kernel['id']}")


def open_in_lab(page: Any, server: Any, notebook: str) -> None:
    """Open a notebook in JupyterLab with a new kernel and wait until the kernel is ready."""
    shut_down_kernels(server)
    # ?reset: start from an empty workspace, not with the tabs an earlier test left open
    page.goto(server.url(f"/lab/tree/{notebook}?reset"))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    accept_kernel_dialog(page)
    wait_until_idle(page, 60)


def accept_kernel_dialog(page: Any) -> None:
    """A start-up race can ask which kernel to use; accept the preselected one (the notebook's)."""
    dialog = page.locator(".jp-Dialog")
    try:
        dialog.wait_for(timeout=3_000)
        page.locator(".jp-Dialog .jp-mod-accept").click()
    except Exception:
        pass


def wait_until_idle(page: Any, seconds: float) -> None:
    """Wait until the notebook's kernel reports idle (the indicator may sit in a hidden toolbar)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]"
        ".some(e => e.dataset.status === 'idle')", timeout=seconds * 1000)


def menu(page: Any, top: str, item: str) -> None:
    """Choose ``top → item`` from JupyterLab's menu bar."""
    page.get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(item)}")).first.click()


def run_all_fresh(page: Any, code_cells: int) -> None:
    """Clear every output and run all cells in the new kernel; wait until each has run.

    :func:`open_in_lab` gave the notebook a kernel of its own that has run nothing, so no
    restart is needed (nor its dialog, nor its wait).
    """
    menu(page, "Edit", "Clear Outputs of All Cells")
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(ALL_CELLS_RUN_JS, arg=code_cells, timeout=RUN_SECONDS * 1000)
    wait_until_idle(page, RUN_SECONDS)


def error_outputs(page: Any) -> list[str]:
    """Return the text of every error or stderr output on the page."""
    selector = (f".jp-OutputArea-output[data-mime-type='{ERROR_MIME}'], "
                ".jp-OutputArea-output.jp-mod-error, .jp-RenderedText[data-mime-type='"
                f"{ERROR_MIME}']")
    return [t.strip() for t in page.locator(selector).all_inner_texts() if t.strip()]


def open_in_voila(page: Any, server: Any, notebook: str) -> None:
    """Open a notebook as a Voilà app and wait until it has finished rendering."""
    page.goto(server.url(f"/voila/render/{notebook}"), timeout=RUN_SECONDS * 1000)
    page.wait_for_function(
        "() => !document.querySelector('#loading') || "
        "getComputedStyle(document.querySelector('#loading')).display === 'none'",
        timeout=RUN_SECONDS * 1000,
    )
    page.wait_for_selector(".jp-OutputArea-output, .jp-RenderedHTMLCommon", timeout=60_000)


def wait_for_exercises(page: Any, exercises: list[Any]) -> None:
    """Wait until every exercise's widget is on the page (Voilà renders them progressively)."""
    for ex in exercises:
        page.locator(f".course-exid-{ex.id}").wait_for(timeout=RUN_SECONDS * 1000)
