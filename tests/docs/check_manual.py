#!/usr/bin/env python3
"""Runs the examples of the manuals, so that what they show is what agr does.

    check_manual.py [--update] AGR SOURCE_DIR DOC.md...

Each ```agr block is checked with `agr check`, after what the HTML comment on the line before it
says (one directive per comment):

    <!-- file: knee.agr -->         the block is a whole agreement: checked, and kept under that name
    <!-- source: NAME.agr -->       (before any block) kept under that name, not checked: a file
                                    with mistakes, for `check:` to show their diagnostics
    <!-- prelude: AGREEMENT -->     the block is added to an agreement, and the whole checked
    <!-- excerpt: AGREEMENT -->     the block is an excerpt of the agreement: its lines appear
                                    there, in that order; nothing is compiled
    (none)                          a block that begins with `agreement` is checked alone; any other
                                    block is added to the first agreement kept in the file

AGREEMENT is a kept name, or a path relative to SOURCE_DIR (agreements/lbp.agr).

A ```json block after `<!-- history: AGREEMENT [--as-of YYYY-MM-DD] -->` is a history (one JSON
object); the next ```json block is the verdict `agr run` must give for it, compared as JSON
(`message` and `source` may be left out, as in docs/suites.md). A ``` block after
`<!-- check: AGREEMENT -->` is what `agr check` prints for it, and after
`<!-- check: AGREEMENT: OLD => NEW -->` what it prints once the first OLD in it is replaced by
NEW (several changes joined by ` && `), compared line by line; the file is named by its last
path component. A ``` block after `<!-- emit: AGREEMENT ir|bytecode HEADER -->` is the part of
`agr compile AGREEMENT --emit=...` from the line that begins with HEADER to the next line that
begins in the first column (one function); HEADER `*` is the whole output.

(The opcode and limits tables the manuals quote are checked by the unit test docs_test.cpp.)

With --update, the ``` blocks of `check:` directives are rewritten with what `agr check` prints
(read the diff before committing it); every other example is still only checked.

Exit status 0 when every example holds; 1 with a report of each that does not.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r'^( *)```(\w*)\s*$')
DIRECTIVE = re.compile(r'^<!--\s*(file|source|prelude|excerpt|history|check|emit):\s*(.*?)\s*-->\s*$')


def blocks(path):
    """(line number, info string, text, directive or None) for each fenced block."""
    lines = open(path, encoding='utf-8').read().split('\n')
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent, info = i, m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != indent + '```':
            j += 1
        directive = None
        if start > 0:
            d = DIRECTIVE.match(lines[start - 1].strip())
            if d:
                directive = (d.group(1), d.group(2))
        body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[start + 1:j]]
        out.append((start + 1, info, '\n'.join(body) + '\n', directive))
        i = j + 1
    return out


def strip_texts(value, keep):
    """The verdict without `message`/`source` where the expectation leaves them out."""
    if isinstance(value, dict) and isinstance(keep, dict):
        return {k: strip_texts(v, keep.get(k)) for k, v in value.items()
                if k in keep or k not in ('message', 'source')}
    if isinstance(value, list) and isinstance(keep, list):
        return [strip_texts(v, keep[i] if i < len(keep) else None) for i, v in enumerate(value)]
    return value


class Checker:
    def __init__(self, agr, source_dir, work, update=False):
        self.agr, self.source_dir, self.work, self.update = agr, source_dir, work, update
        self.updates = []       # (doc, line of the fence, new text) for --update
        self.kept = {}          # name -> text
        self.failures = []

    def fail(self, where, what):
        self.failures.append('%s: %s' % (where, what))

    def agr_check(self, text, name='example.agr'):
        path = os.path.join(self.work, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        r = subprocess.run([self.agr, 'check', path], capture_output=True, text=True, cwd=self.work)
        return r.returncode, (r.stdout + r.stderr).replace(path, name)

    def text_of(self, where, name):
        if name in self.kept:
            return self.kept[name]
        try:
            return open(os.path.join(self.source_dir, name), encoding='utf-8').read()
        except OSError:
            self.fail(where, 'no agreement %s is kept above, nor is there such a file' % name)
            return None

    def run_doc(self, doc):
        items = blocks(doc)
        first_kept = None
        history = None     # (where, agreement name, args, history text) waiting for its verdict
        for k, (line, info, text, directive) in enumerate(items):
            where = '%s:%d' % (os.path.relpath(doc, self.source_dir), line)
            kind, arg = directive if directive else (None, None)
            if info == 'agr':
                if kind == 'excerpt':
                    self.excerpt(where, text, arg)
                    continue
                if kind == 'file':
                    source = text
                    self.kept[arg] = text
                    first_kept = first_kept or arg
                elif kind == 'prelude':
                    prelude = self.text_of(where, arg)
                    if prelude is None:
                        continue
                    source = prelude + '\n' + text
                elif text.lstrip().startswith('agreement ') or first_kept is None:
                    source = text
                else:
                    source = self.kept[first_kept] + '\n' + text
                status, output = self.agr_check(source)
                if status != 0:
                    self.fail(where, 'the example does not check:\n' + output)
            elif kind == 'source':
                self.kept[arg] = text
            elif info == 'json' and kind == 'history':
                history = (where, arg, text)
            elif info == 'json' and history:
                self.verdict(history, where, text)
                history = None
            elif info == '' and kind in ('check', 'emit'):
                output = (self.check_output if kind == 'check' else self.emit_output)(where, arg, text)
                if self.update and output is not None:
                    self.updates.append((doc, line, output))
        return first_kept

    def excerpt(self, where, text, path):
        whole = self.text_of(where, path)
        if whole is None:
            return
        lines = [l.strip() for l in whole.split('\n')]
        at = 0
        for wanted in (l.strip() for l in text.split('\n')):
            if not wanted:
                continue
            try:
                at = lines.index(wanted, at) + 1
            except ValueError:
                self.fail(where, 'not in %s (in this order): %s' % (path, wanted))
                return

    def verdict(self, history, where, expected_text):
        hwhere, arg, text = history
        words = arg.split()
        name, args = words[0], words[1:]
        agreement = self.text_of(hwhere, name)
        if agreement is None:
            return
        path = os.path.join(self.work, os.path.basename(name))
        with open(path, 'w', encoding='utf-8') as f:
            f.write(agreement)
        line = json.dumps(json.loads(text), ensure_ascii=False)
        r = subprocess.run([self.agr, 'run'] + args + [path, '-'], input=line + '\n', capture_output=True,
                           text=True, cwd=self.work)
        try:
            expected = json.loads(expected_text)
            got = json.loads(r.stdout)
        except ValueError as e:
            self.fail(where, 'not JSON: %s (agr run wrote %r)' % (e, r.stdout + r.stderr))
            return
        got = strip_texts(got, expected)
        if got != expected:
            self.fail(where, 'agr run gives another verdict:\n  expected %s\n  got      %s' %
                      (json.dumps(expected, ensure_ascii=False), json.dumps(got, ensure_ascii=False)))

    def emit_output(self, where, arg, text):
        name, stage, header = arg.split(' ', 2)
        source = self.text_of(where, name)
        if source is None:
            return None
        path = os.path.join(self.work, os.path.basename(name))
        with open(path, 'w', encoding='utf-8') as f:
            f.write(source)
        r = subprocess.run([self.agr, 'compile', os.path.basename(name), '--emit=' + stage], capture_output=True,
                           text=True, cwd=self.work)
        lines = r.stdout.split('\n')
        if header == '*':  # the whole output
            output = r.stdout
            if output.strip() != text.strip() and not self.update:
                self.fail(where, 'agr compile --emit=%s prints otherwise:\n--- expected\n%s--- got\n%s' % (stage, text, output))
            return output
        starts = [i for i, l in enumerate(lines) if l.startswith(header)]
        if not starts:
            self.fail(where, 'agr compile --emit=%s prints no line beginning %r' % (stage, header))
            return None
        end = starts[0] + 1
        while end < len(lines) and lines[end].startswith(' '):
            end += 1
        output = '\n'.join(lines[starts[0]:end]) + '\n'
        if output.strip() != text.strip() and not self.update:
            self.fail(where, 'agr compile --emit=%s prints otherwise:\n--- expected\n%s--- got\n%s' % (stage, text, output))
        return output

    def check_output(self, where, arg, text):
        name, _, change = arg.partition(': ')
        source = self.text_of(where, name)
        if source is None:
            return
        for one in change.split(' && ') if change else []:
            old, _, new = one.partition(' => ')
            if old not in source:
                self.fail(where, '%r is not in %s' % (old, name))
                return
            source = source.replace(old, new, 1)
        _, output = self.agr_check(source, os.path.basename(name))
        if output.strip() != text.strip() and not self.update:
            self.fail(where, '`agr check` prints otherwise:\n--- expected\n%s--- got\n%s' % (text, output))
        return output


def rewrite(updates):
    """Replaces the body of each fenced block (by the line of its opening fence)."""
    for doc in sorted({u[0] for u in updates}):
        lines = open(doc, encoding='utf-8').read().split('\n')
        for _, line, text in sorted((u for u in updates if u[0] == doc), key=lambda u: -u[1]):
            indent = FENCE.match(lines[line - 1]).group(1)
            end = line
            while lines[end].rstrip() != indent + '```':
                end += 1
            lines[line:end] = [indent + l if l else l for l in text.rstrip('\n').split('\n')]
        open(doc, 'w', encoding='utf-8').write('\n'.join(lines))


def main():
    args = sys.argv[1:]
    update = '--update' in args
    args = [a for a in args if a != '--update']
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    agr, source_dir, docs = os.path.abspath(args[0]), args[1], args[2:]
    with tempfile.TemporaryDirectory() as work:
        checker = Checker(agr, source_dir, work, update)
        counted = 0
        for doc in docs:
            checker.run_doc(doc)
            counted += sum(1 for b in blocks(doc) if b[1] in ('agr', 'json') or b[3])
        if update:
            rewrite(checker.updates)
        for failure in checker.failures:
            print(failure)
        print('%d examples in %d manuals: %d failed' % (counted, len(docs), len(checker.failures)))
        return 1 if checker.failures else 0


if __name__ == '__main__':
    sys.exit(main())
