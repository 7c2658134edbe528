"""What a customer's browser downloads for the widget, gzipped as a server would send it: the
loader stays tiny, and everything up to the first message stays within budget (README.md)."""

import gzip
import re

LOADER_BUDGET = 3 * 1024
FIRST_MESSAGE_BUDGET = 50 * 1024
# Relative module specifiers: static imports, import("./x.js"), new URL("../x", import.meta.url).
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|new URL\(\s*)["'](\.\.?/[^"']+)["']""")
DYNAMIC = re.compile(r"""\bimport\s*\(\s*["'](\.\.?/[^"']+)["']""")


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def served(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.data


def downloads(client, lazy: bool) -> dict[str, int]:
    """Gzipped size of each file the widget fetches: the launcher only, or (lazy=True) also what
    the first open loads, the Socket.IO client of the websocket transport included."""
    loader = served(client, "/widget.js")
    modules = re.search(rb'"(/static/v/[0-9a-f]+/)"', loader).group(1).decode()
    sizes = {"/widget.js": gzipped(loader)}
    todo = [modules + "widget/main.js"]
    while todo:
        path = todo.pop()
        if path in sizes:
            continue
        text = served(client, path)
        sizes[path] = gzipped(text)
        folder = path.rsplit("/", 1)[0]
        found = (
            IMPORT.findall(text.decode())
            if lazy
            else (set(IMPORT.findall(text.decode())) - set(DYNAMIC.findall(text.decode())))
        )
        for spec in found:
            parts = folder.split("/")
            for piece in spec.split("/"):
                if piece == "..":
                    parts.pop()
                elif piece != ".":
                    parts.append(piece)
            todo.append("/".join(parts))
    return sizes


def test_the_loader_is_at_most_3_kb_gzipped(client):
    size = gzipped(served(client, "/widget.js"))
    assert size <= LOADER_BUDGET, (
        f"/widget.js is {size} bytes gzipped; the budget is {LOADER_BUDGET}"
    )


def test_a_page_that_never_opens_the_chat_loads_only_the_launcher(client):
    launcher = downloads(client, lazy=False)
    names = {path.rsplit("/", 1)[1] for path in launcher}
    assert "chat.js" not in names and "socket.io.esm.min.js" not in names, sorted(names)


def largest_catalogue(client) -> dict[str, int]:
    """The biggest language's words (widget/locales/*.js): a page in another language than
    English loads one of them, by a name the walk cannot follow (import(`./locales/${code}.js`))."""
    loader = served(client, "/widget.js")
    modules = re.search(rb'"(/static/v/[0-9a-f]+/)"', loader).group(1).decode()
    codes = re.search(
        r"LOCALES = \[([^\]]*)\]", served(client, modules + "widget/strings.js").decode()
    )
    paths = [
        f"{modules}widget/locales/{code}.js"
        for code in re.findall(r'"(\w+)"', codes.group(1))
        if code != "en"
    ]
    assert len(paths) >= 4, paths
    largest = max(paths, key=lambda path: gzipped(served(client, path)))
    return {largest: gzipped(served(client, largest))}


def test_everything_up_to_the_first_message_is_at_most_50_kb_gzipped(client):
    sizes = downloads(client, lazy=True) | largest_catalogue(client)
    names = {path.rsplit("/", 1)[1] for path in sizes}
    assert {
        "chat.js",
        "view.js",
        "socket.js",
        "socket.io.esm.min.js",
        "polling.js",
        "strings.js",
    } <= names
    total = sum(sizes.values())  # the rating prompt, fetched after a close, counted too
    assert total <= FIRST_MESSAGE_BUDGET, (
        f"{total} bytes gzipped before the first message; the budget is {FIRST_MESSAGE_BUDGET}: {sizes}"
    )
