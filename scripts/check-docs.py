#!/usr/bin/env python3
"""Checks that the documentation's references resolve inside the repository (`make lint` runs it).

- Every relative Markdown link in README.md, docs/, configs/, losses/ and evaluators/ names a file or
  folder that exists, and its #anchor, where it has one, a heading of that page.
- Every `docs/...md` path named in Sources, Tests, configs, scripts, research, bench and evaluators
  exists, and every `docs/architecture.md §N` cites a numbered section of that page.
- No file cites DESIGN.md, which is not part of the repository.
- README.md stays a front door: at most 300 lines.
Prints each broken reference with its file and line and exits 1 if there is any; prints how many it
checked otherwise, so that a check that finds nothing to check is seen.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN_DIRS = ["docs", "configs", "losses", "evaluators"]
SOURCE_DIRS = ["Sources", "Tests", "configs", "scripts", "research", "bench", "evaluators"]
SOURCE_SUFFIXES = {".swift", ".py", ".sh", ".toml", ".md", ".json"}
README_MAX_LINES = 300

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DOC_PATH = re.compile(r"docs/[A-Za-z0-9_./-]+\.md")
SECTION = re.compile(r"docs/architecture\.md §([0-9]+(?:\.[0-9]+)?)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            found.add(anchor(line.lstrip("#")))
    return found


def architecture_sections() -> set[str]:
    text = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} ([0-9]+(?:\.[0-9]+)?)\.? ", text, flags=re.M))


def markdown_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in MARKDOWN_DIRS:
        files += sorted(p for p in (ROOT / folder).rglob("*.md") if "runs" not in p.relative_to(ROOT).parts)
    return files


def source_files() -> list[Path]:
    files = []
    for folder in SOURCE_DIRS:
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES)
    return [f for f in files if f != Path(__file__).resolve()] + [ROOT / "Makefile"]


def main() -> int:
    problems: list[str] = []
    links = paths = 0
    sections = architecture_sections()
    for page in markdown_files():
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue
                links += 1
                file, _, fragment = target.partition("#")
                resolved = (page.parent / file).resolve() if file else page
                where = f"{page.relative_to(ROOT)}:{number}"
                if not resolved.exists():
                    problems.append(f"{where}: link to {target}: no such file")
                elif fragment and resolved.is_file() and fragment not in anchors(resolved):
                    problems.append(f"{where}: link to {target}: no heading with that anchor")
    for file in source_files() + markdown_files():
        text = file.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{file.relative_to(ROOT)}:{number}"
            if "DESIGN.md" in line:
                problems.append(f"{where}: cites DESIGN.md, which is not in the repository (cite docs/architecture.md)")
            for path in DOC_PATH.findall(line):
                paths += 1
                if not (ROOT / path).exists():
                    problems.append(f"{where}: {path}: no such file")
            for section in SECTION.findall(line):
                if section not in sections:
                    problems.append(f"{where}: docs/architecture.md has no section {section}")
    readme_lines = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    if readme_lines > README_MAX_LINES:
        problems.append(f"README.md: {readme_lines} lines, more than {README_MAX_LINES}: move detail to docs/")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    if links == 0 or paths == 0:
        print(f"check-docs: found {links} links and {paths} docs paths: nothing was checked", file=sys.stderr)
        return 1
    print(f"check-docs: {links} links and {paths} docs paths resolve; README.md has {readme_lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
