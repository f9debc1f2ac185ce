"""docs/integrating.md shows the examples as they are in examples/: each block that follows a
line `<!-- example: PATH -->` must be the file PATH, byte for byte, and every example the tests
build or run must be shown.

    doc_examples.py SOURCE_DIR            check (a CTest)
    doc_examples.py SOURCE_DIR --update   rewrite the blocks from the files
"""
import re
import sys

EXAMPLES = ["examples/embed.cpp", "examples/compile.cpp", "examples/embed.c",
            "examples/python/evaluate.py", "examples/python/dask_run.py"]
BLOCK = re.compile(r"(<!-- example: (?P<path>\S+) -->\n```(?P<lang>\w*)\n)(?P<body>.*?)(```\n)", re.S)


def main():
    source, update = sys.argv[1], sys.argv[2:] == ["--update"]
    doc_path = f"{source}/docs/integrating.md"
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    shown, problems = [], []

    def block(match):
        path = match["path"]
        shown.append(path)
        with open(f"{source}/{path}", encoding="utf-8") as f:
            text = f.read()
        if match["body"] != text:
            problems.append(f"{doc_path}: the block for {path} is not the file (doc_examples.py --update)")
        return match.group(1) + text + match.group(5)

    updated = BLOCK.sub(block, doc)
    problems += [f"{doc_path}: does not show {path}" for path in EXAMPLES if path not in shown]
    if update:
        with open(doc_path, "w", encoding="utf-8") as f:
            f.write(updated)
    elif problems:
        sys.exit("\n".join(problems))
    print(f"doc_examples: {len(shown)} examples shown as they are")


if __name__ == "__main__":
    main()
