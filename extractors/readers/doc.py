"""Word 97-2003 .doc and WPS .wps (OLE2 compound files) into lines: LibreOffice converts, the DOCX reader reads.

The conversion runs where the parse runs, inside the limited child process
(`extractors/limits.py`), with its own deadline inside the child's: a file that
hangs LibreOffice gives `document.conversion_timeout` and the converter's whole
process group is killed, so no soffice outlives the parse. Each conversion
has its own LibreOffice profile, so it never waits on another instance's lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extractors.document import Line
from extractors.limits import time_left
from extractors.readers.docx import read_docx
from extractors.readers.errors import ConversionTimeout, ConverterMissing, DocumentCorrupt

CONVERT_SECONDS = 90.0
_RESERVE_SECONDS = 10.0  # of the parse's own deadline (limits.time_left), kept for reading the DOCX


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_doc(data: bytes) -> list[Line]:
    """The document's lines through a DOCX made by LibreOffice; raises UnreadableDocument subclasses."""
    left = time_left()
    seconds = CONVERT_SECONDS if left is None else min(CONVERT_SECONDS, left - _RESERVE_SECONDS)
    return read_docx(convert_to_docx(data, max(seconds, 1.0)))


def convert_to_docx(data: bytes, seconds: float = CONVERT_SECONDS) -> bytes:
    binary = soffice_path()
    if binary is None:
        raise ConverterMissing(
            "a Word 97-2003 / WPS file needs LibreOffice (soffice) to be read, and it is not installed: "
            "run scripts/system-deps.sh (Debian package libreoffice-writer-nogui)"
        )
    with tempfile.TemporaryDirectory(prefix="disclosure-doc-") as folder:
        work = Path(folder)
        source = work / "report.doc"
        source.write_bytes(data)
        command = [
            binary,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        _run(command, seconds)
        target = work / "out" / "report.docx"
        if not target.is_file() or target.stat().st_size == 0:
            raise DocumentCorrupt(
                "LibreOffice could not read the Word 97-2003 / WPS file (corrupt or not a text document)"
            )
        return target.read_bytes()


def _run(command: list[str], seconds: float) -> None:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=_env()
    )
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # soffice is a script around soffice.bin: the whole group
        process.wait()
        raise ConversionTimeout(
            f"LibreOffice took longer than {seconds:g} s to convert the file and was stopped"
        ) from None


def _env() -> dict[str, str]:
    """LibreOffice without a display, and without the parent's Python (a venv breaks its own scripting)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["SAL_USE_VCLPLUGIN"] = "svp"
    return env
