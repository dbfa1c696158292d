#!/usr/bin/python3
"""Every link in README.md and docs/ reaches a file in the repository.

Checks markdown links [text](target) with a relative target (the #anchor
dropped) and paths written in backticks, such as `docs/rng.md` or
`sim/parallel.hpp`: each must name a file or folder that exists, from the
markdown file's folder or from the repository's root. Paths with
placeholders (<name>, *, {a,b}) and paths of other projects (whose first
folder is not one of this repository's) are not checked. Exit 0 when every link resolves, 1 with one line per broken link.
"""
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
EXTENSIONS = (".md", ".cpp", ".hpp", ".toml", ".py", ".sh", ".ipynb", ".cmake", ".txt", ".json")
TOP = ("docs/", "sim/", "models/", "scenarios/", "output/", "bench/", "app/", "tests/", "notebooks/",
       "fuzz/", "cmake/", ".ci/")


def markdown_files():
    yield os.path.join(REPO, "README.md")
    for folder, _, files in os.walk(os.path.join(REPO, "docs")):
        for name in sorted(files):
            if name.endswith(".md"):
                yield os.path.join(folder, name)


def resolves(target, base):
    target = target.split("#", 1)[0]
    if not target:
        return True  # a link within the page
    return any(os.path.exists(os.path.normpath(os.path.join(root, target))) for root in (base, REPO))


def candidates(text, base):
    for m in LINK.finditer(text):
        target = m.group(1)
        if not re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            yield target
    for m in CODE.finditer(text):
        path = m.group(1).rstrip(".,;:")
        if any(c in path for c in "<>*{}$") or "://" in path:
            continue
        if "/" in path:
            # Another project's path (`libs/random/...` of Random123-Boost)
            # starts with a folder this repository does not have.
            first = path.split("/", 1)[0]
            if first != ".." and not (os.path.exists(os.path.join(REPO, first)) or
                                      os.path.exists(os.path.join(base, first))):
                continue
            if path.endswith(EXTENSIONS) or path.startswith(TOP):
                yield path
        elif path.endswith(".md"):
            yield path


def main():
    # The checker itself: it finds both kinds of link, and refuses a missing file.
    docs = os.path.join(REPO, "docs")
    found = list(candidates("[a](rng.md#x), [b](https://x.org), `sim/parallel.hpp`, `libs/a/b.cpp`", docs))
    assert found == ["rng.md#x", "sim/parallel.hpp"], found
    assert resolves("rng.md#x", docs) and resolves("docs/rng.md", docs)
    assert not resolves("docs/no-such-page.md", docs)
    broken = []
    for md in markdown_files():
        base = os.path.dirname(md)
        with open(md, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                for target in candidates(line, base):
                    if not resolves(target, base):
                        broken.append(f"{os.path.relpath(md, REPO)}:{number}: {target}: no such file")
    for b in broken:
        print(b)
    print(f"{'broken links: ' + str(len(broken)) if broken else 'every link resolves'}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
