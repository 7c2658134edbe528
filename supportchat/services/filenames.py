"""Download names: the extension says what the bytes are, and never something that runs."""

from __future__ import annotations

import re

# The extension each allowed type downloads with (first) and the others it may keep.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg", "jpe"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "text/plain": ("txt", "text", "log"),
    "text/csv": ("csv",),
    "application/zip": ("zip",),
    "application/msword": ("doc",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.ms-powerpoint": ("ppt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
}
_KNOWN = frozenset(ext for exts in EXTENSIONS.values() for ext in exts)
# Extensions a desktop opens by running or rendering the file: markup and scripts a browser
# executes, and programs, scripts and shortcuts of Windows, macOS and Linux.
EXECUTABLE = frozenset(
    """
    htm html xhtml xht shtml mht mhtml svg svgz xml xsl xslt hta js mjs cjs jse vb vbs vbe
    wsf wsh ws wsc sct bat cmd com exe msi msp mst scr pif cpl dll ocx sys jar jnlp class
    ps1 ps1xml psm1 psd1 psc1 sh bash zsh csh ksh fish command tool py pyw pyc pl pm rb php
    php3 php4 php5 phtml phar asp aspx cer jsp cgi lnk url webloc desktop inf reg scf
    library-ms application appref-ms gadget msc app dmg pkg mpkg deb rpm appimage apk run
    swf action workflow iqy slk settingcontent-ms
""".split()
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def download_name(name: str, kind: str) -> str:
    """``name`` without control characters or executable extensions, ending in an extension
    of the sniffed type ``kind``: a wrong known extension is replaced, an unknown one kept
    and the right one appended (``notes.html`` as text is ``notes.txt``)."""
    stem, *extensions = _CONTROL.sub("", name).split(".")
    # Empty parts go too: Windows drops trailing dots and spaces, so "run.bat." runs.
    extensions = [
        ext for ext in extensions if ext.strip() and ext.strip().lower() not in EXECUTABLE
    ]
    wanted = EXTENSIONS.get(kind, ("bin",))
    if extensions and extensions[-1].strip().lower() in wanted:
        extensions[-1] = extensions[-1].strip()
    else:
        if extensions and extensions[-1].strip().lower() in _KNOWN:
            extensions.pop()
        extensions.append(wanted[0])
    return ".".join([stem.strip() or "file", *extensions])
