#!/usr/bin/env bash
# Regenerates the committed seed corpora in fuzz/corpus/<target>/ from the source tree:
#   fuzz_compile   the bundled and example agreements (agreements/*.agr, examples/agreements/*.agr)
#   fuzz_bytecode  their .agrc files, compiled with `agr compile` (needs build/agr)
#   fuzz_history   every history of tests/suites/*/*.suite.json and examples/histories/*.jsonl,
#                  one JSON line per file
#   fuzz_evaluate  a few fixed pseudo-random byte strings (the target turns any bytes into a
#                  valid history)
#   fuzz_differential  both of the above (it reads its bytes as a line and as generator choices)
#   fuzz_fmt       the bundled and example agreements and the formatter's layout tests
#                  (tests/format/*.agr)
# Usage: fuzz/make_corpus.sh [path/to/agr]     (default: build/agr)
set -euo pipefail
cd "$(dirname "$0")/.."
agr=${1:-build/agr}
[ -x "$agr" ] || { echo "make_corpus: $agr not found; build first" >&2; exit 2; }
corpus=fuzz/corpus
rm -rf "$corpus"
mkdir -p "$corpus"/{fuzz_compile,fuzz_bytecode,fuzz_history,fuzz_evaluate,fuzz_differential,fuzz_fmt}
cp tests/format/*.agr "$corpus/fuzz_fmt/"

for agreement in agreements/*.agr examples/agreements/*.agr; do
  name=$(basename "$agreement" .agr)
  cp "$agreement" "$corpus/fuzz_compile/$name.agr"
  cp "$agreement" "$corpus/fuzz_fmt/$name.agr"
  # .agrc.bin: the repository ignores *.agrc (build products); these are committed on purpose.
  "$agr" compile "$agreement" -o "$corpus/fuzz_bytecode/$name.agrc.bin"
done

python3 - "$corpus" <<'PY'
import glob, hashlib, json, os, random, sys
corpus = sys.argv[1]
lines = []
for path in sorted(glob.glob('tests/suites/*/*.suite.json')):
    with open(path, encoding='utf-8') as f:
        suite = json.load(f)
    for i, case in enumerate(suite.get('cases', [])):
        if 'history' not in case:
            continue
        # Alternate the compact and the spaced form: both are what integrators send.
        compact = i % 2 == 0
        lines.append(json.dumps(case['history'], ensure_ascii=False,
                                separators=(',', ':') if compact else (', ', ': ')))
for path in sorted(glob.glob('examples/histories/*.jsonl')):
    with open(path, encoding='utf-8') as f:
        lines.extend(line.rstrip('\n') for line in f if line.strip())
# Histories for a set of agreements (fuzz_history reads every line against the set of them all
# too): the agreement named first, last, and after the facts it reads them against.
lines.extend([
    '{"id":"set-1","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"0251","flags":["questionnaire"]},{"id":"e2","date":"2025-09-08","code":"0256"}],"agreement":"ste"}',
    '{"agreement":"lbp","id":"set-2","referral_date":"2025-09-01","clinic":"K1","events":[{"id":"e1","date":"2025-09-01","code":"0261","flags":["video"]},{"id":"e2","date":"2025-09-03","code":"0263"}]}',
    '{"id":"set-3","referral_date":"2025-08-15","events":[{"id":"e1","date":"2025-09-01","code":"0401"},{"id":"e2","date":"2025-09-02","code":"0403","flags":["video"]}],"facts":{"diagnosis":"DM171","earlier_course":false,"birth_date":"1958-06-15"},"agreement":"artrose"}',
    '{"facts":{"birth_date":"1958-06-15","diagnosis":"DM16.1","earlier_course":true},"agreement":"artrose","id":"set-4","events":[{"id":"e1","date":"2025-09-01","code":"0401"}]}',
])
seen = set()
for line in lines:
    data = line.encode('utf-8')
    digest = hashlib.sha1(data).hexdigest()[:16]
    if digest in seen:
        continue
    seen.add(digest)
    with open(os.path.join(corpus, 'fuzz_history', digest + '.json'), 'wb') as f:
        f.write(data)
rng = random.Random(20250901)
for i, size in enumerate([16, 64, 128, 256, 512, 1024, 2048, 4096]):
    with open(os.path.join(corpus, 'fuzz_evaluate', 'seed-%02d' % i), 'wb') as f:
        f.write(bytes(rng.randrange(256) for _ in range(size)))
print('make_corpus: %d histories' % len(seen))
PY
cp "$corpus"/fuzz_history/* "$corpus"/fuzz_evaluate/* "$corpus"/fuzz_differential/
for target in fuzz_compile fuzz_bytecode fuzz_history fuzz_evaluate fuzz_differential fuzz_fmt; do
  echo "make_corpus: $target: $(ls "$corpus/$target" | wc -l) files"
done
