// The TextMate grammar, tokenized by VS Code's own engine (vscode-textmate with the Oniguruma
// regular expressions): its keywords are exactly the words of grammar/Agr.g4, and over every
// bundled agreement it colours each token as the page's editor does (web/editor.js).
//
//   node test/grammar_test.mjs SOURCE_DIR
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const extension = join(here, "..");
const source = process.argv[2] ?? join(extension, "..", "..");
const require = createRequire(import.meta.url);
let textmate, oniguruma;
try {
  textmate = require("vscode-textmate");
  oniguruma = require("vscode-oniguruma");
} catch {
  console.error(`grammar_test: vscode-textmate is not installed; run 'npm ci' in ${extension} (./setup.sh does)`);
  process.exit(1);
}

// The manifest names files that exist and parse.
const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));
const [language] = manifest.contributes.languages;
const [grammarEntry] = manifest.contributes.grammars;
assert.equal(language.id, "agr");
assert.deepEqual(language.extensions, [".agr"]);
const configuration = JSON.parse(readFileSync(join(extension, language.configuration), "utf8"));
assert.equal(configuration.comments.lineComment, "#");
const grammarJson = JSON.parse(readFileSync(join(extension, grammarEntry.path), "utf8"));
assert.equal(grammarJson.scopeName, grammarEntry.scopeName);

await oniguruma.loadWASM(readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer);
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async (scope) => (scope === "source.agr" ? textmate.parseRawGrammar(JSON.stringify(grammarJson), "agr.json") : null),
});
const grammar = await registry.loadGrammar("source.agr");

// The scopes at each character of a text, line by line as an editor tokenizes it.
function scopes(text) {
  const out = [];
  let stack = textmate.INITIAL;
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens)
      for (let i = token.startIndex; i < Math.min(token.endIndex, line.length); ++i) out.push(token.scopes.join(" "));
    out.push("newline");
    stack = result.ruleStack;
  }
  return out;
}

// 1. The grammar's keywords are exactly the language's words.
const words = [...new Set([...readFileSync(join(source, "grammar", "Agr.g4"), "utf8").matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]))].sort();
for (const word of words) assert.match(scopes(word)[0], /keyword\.other\.agr|storage\.type\.declaration\.agr/, `the word '${word}'`);
for (const name of ["training", "active", "a_b", "agreements", "startdate"])
  assert.doesNotMatch(scopes(name)[0], /keyword|storage/, `the name '${name}' is not a keyword`);

// 2. Over every bundled agreement, each token of the page's tokenizer has the matching scope.
const { tokenize } = await import(pathToFileURL(join(source, "web", "editor.js")).href);
const expected = {
  comment: "comment.line.number-sign.agr", string: "string.quoted.double.agr", date: "constant.numeric.date.agr",
  money: "constant.numeric.money.agr", "rule-id": "entity.name.function.rule.agr", number: "constant.numeric.agr",
  declaration: "storage.type.declaration.agr", keyword: "keyword.other.agr",
};
const keywords = new Set(words);
let checked = 0;
for (const file of readdirSync(join(source, "agreements")).filter((f) => f.endsWith(".agr"))) {
  const text = readFileSync(join(source, "agreements", file), "utf8");
  const perCharacter = scopes(text);
  for (const token of tokenize(text, keywords)) {
    const scope = expected[token.kind];
    if (!scope) continue;  // names, punctuation, spaces
    for (let i = token.start; i < token.end; ++i) {
      if (text[i] === "\n") continue;
      assert.ok(perCharacter[i].includes(scope),
                `${file}: '${text.slice(token.start, token.end).slice(0, 40)}' at ${token.start} is ${token.kind}; the grammar says ${perCharacter[i]}`);
    }
    ++checked;
  }
}
assert.ok(checked > 500, `only ${checked} tokens checked`);
console.log(`grammar: ${words.length} keywords, ${checked} tokens of the bundled agreements agree with the page's colouring`);
