// The agreement editor: a plain <textarea> (native typing, undo, selection, input methods and
// screen readers) laid exactly over two layers that show the colouring and the checker's marks.
// No editor library: the page is served as it is, with no build step.

const DECLARATIONS = new Set(["agreement", "flag", "service", "supplement", "group", "define", "course", "same",
                              "rule", "warning", "due"]);

// The tokens of the agr language (grammar/Agr.g4), in the grammar's order of preference.
const TOKEN = /(#[^\n]*)|("(?:[^"\\]|\\[\s\S])*"?)|(\d{4}-\d\d-\d\d)|(\d+\.\d\d)|([A-Z][A-Z0-9]*-\d+)|(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(±|\+-|\.\.)|(\s+)|([\s\S])/gy;
const KINDS = ["comment", "string", "date", "money", "rule-id", "number", "name", "operator", null, "punct"];

export function tokenize(text, keywords) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  let m;
  while ((m = TOKEN.exec(text)) !== null) {
    const group = m.slice(1).findIndex((g) => g !== undefined);
    let kind = KINDS[group];
    if (kind === "name" && keywords.has(m[0])) kind = DECLARATIONS.has(m[0]) ? "declaration" : "keyword";
    tokens.push({ kind, start: m.index, end: m.index + m[0].length });
    if (TOKEN.lastIndex >= text.length) break;
  }
  return tokens;
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// The JS string index of a 1-based line and column counted in characters (code points), as the
// server's diagnostics give them.
function indexOf(text, lineStarts, line, column) {
  let i = lineStarts[Math.min(line, lineStarts.length) - 1] ?? text.length;
  for (let c = 1; c < column && i < text.length && text[i] !== "\n"; ++c) i += text.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

export class Editor {
  constructor(root, { onChange, keywords }) {
    this.root = root;
    this.onChange = onChange;
    this.keywords = keywords;
    this.diagnostics = [];
    this.root.innerHTML = `
      <div class="editor-scroller">
        <div class="editor-gutter" aria-hidden="true"></div>
        <div class="editor-code">
          <pre class="editor-layer editor-colours" aria-hidden="true"></pre>
          <pre class="editor-layer editor-marks" aria-hidden="true"></pre>
          <textarea class="editor-input" spellcheck="false" autocapitalize="off" autocomplete="off"
                    aria-label="Agreement source" aria-describedby="editor-help"></textarea>
        </div>
      </div>
      <div class="editor-tooltip" role="tooltip" hidden></div>`;
    this.scroller = root.querySelector(".editor-scroller");
    this.gutter = root.querySelector(".editor-gutter");
    this.colours = root.querySelector(".editor-colours");
    this.marks = root.querySelector(".editor-marks");
    this.input = root.querySelector(".editor-input");
    this.tooltip = root.querySelector(".editor-tooltip");
    this.input.addEventListener("input", () => this.changed());
    this.input.addEventListener("keydown", (e) => this.key(e));
    this.input.addEventListener("mousemove", (e) => this.hover(e));
    this.input.addEventListener("mouseleave", () => (this.tooltip.hidden = true));
    for (const event of ["keyup", "click", "select"]) this.input.addEventListener(event, () => this.caretMoved());
    this.releasedTab = false;
  }

  get value() { return this.input.value; }

  set value(text) {
    this.input.value = text;
    this.input.setSelectionRange(0, 0);
    this.diagnostics = [];
    this.render();
    this.scroller.scrollTo(0, 0);
  }

  set readOnly(on) { this.input.readOnly = on; }

  changed() {
    this.render();
    this.onChange(this.value);
  }

  // Diagnostics as POST /v1/check gives them; positions are turned into this text's indexes.
  setDiagnostics(list) {
    const text = this.value;
    const starts = this.lineStarts();
    this.diagnostics = list.map((d) => {
      let start = indexOf(text, starts, d.line, d.column);
      let end = indexOf(text, starts, d.end_line, d.end_column);
      if (end <= start) {  // a point (the end of the file, say): mark the character before it
        end = Math.max(start, 1);
        start = Math.max(0, end - 1);
        while (start > 0 && /\s/.test(text[start])) { start--; end = start + 1; }
      }
      return { ...d, start, end };
    });
    this.render();
    this.caretMoved();
  }

  lineStarts() {
    const starts = [0];
    const text = this.value;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
  }

  render() {
    this.tooltip.hidden = true;  // it described the text as it was
    const text = this.value;
    let html = "";
    for (const t of tokenize(text, this.keywords)) {
      const piece = escapeHtml(text.slice(t.start, t.end));
      html += t.kind ? `<span class="tok-${t.kind}">${piece}</span>` : piece;
    }
    this.colours.innerHTML = html + "\n";

    // The marks layer: the same text, invisible, with the diagnostics' spans underlined.
    const sorted = [...this.diagnostics].sort((a, b) => a.start - b.start);
    let marks = "", at = 0;
    for (const d of sorted) {
      if (d.start < at) continue;  // overlapping marks: the first one shows
      marks += escapeHtml(text.slice(at, d.start));
      marks += `<span class="mark mark-${d.severity}">${escapeHtml(text.slice(d.start, d.end))}</span>`;
      at = d.end;
    }
    this.marks.innerHTML = marks + escapeHtml(text.slice(at)) + "\n";

    const starts = this.lineStarts();
    const worst = new Map();  // line -> its most severe diagnostic
    for (const d of this.diagnostics) {
      if (!worst.has(d.line) || (d.severity === "error" && worst.get(d.line).severity !== "error")) worst.set(d.line, d);
    }
    let gutter = "";
    for (let line = 1; line <= starts.length; ++line) {
      const d = worst.get(line);
      const icon = d ? `<span class="gutter-icon gutter-${d.severity}" title="${escapeHtml(d.message)}">${d.severity === "error" ? "✕" : "!"}</span>` : "";
      gutter += `<div class="gutter-line${d ? " gutter-has-" + d.severity : ""}">${icon}${line}</div>`;
    }
    this.gutter.innerHTML = gutter;

    // The textarea takes the size of its text, so that one scroller moves every layer at once.
    const longest = Math.max(...text.split("\n").map((l) => l.length));
    this.input.style.height = `calc(${starts.length} * var(--code-line) + 2 * var(--code-pad))`;
    this.input.style.width = `max(100%, calc(${longest + 3}ch + 2 * var(--code-pad)))`;
  }

  // Tab indents by two spaces; Escape lets the next Tab leave the editor; F8 goes to the next
  // problem (Shift+F8 the one before).
  key(e) {
    if (e.key === "Escape") { this.releasedTab = true; return; }
    if (e.key === "Tab" && !this.releasedTab && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      if (e.shiftKey) this.outdent(); else document.execCommand("insertText", false, "  ");
      return;
    }
    if (e.key === "F8") {
      e.preventDefault();
      this.gotoProblem(e.shiftKey ? -1 : 1);
      return;
    }
    this.releasedTab = false;
  }

  outdent() {
    const text = this.value;
    const lineStart = text.lastIndexOf("\n", this.input.selectionStart - 1) + 1;
    const spaces = text.slice(lineStart, lineStart + 2).match(/^ {0,2}/)[0].length;
    if (!spaces) return;
    const caret = this.input.selectionStart;
    this.input.setSelectionRange(lineStart, lineStart + spaces);
    document.execCommand("delete");
    this.input.setSelectionRange(Math.max(lineStart, caret - spaces), Math.max(lineStart, caret - spaces));
  }

  gotoProblem(step) {
    if (!this.diagnostics.length) return;
    const sorted = [...this.diagnostics].sort((a, b) => a.start - b.start);
    const caret = this.input.selectionStart;
    const next = step > 0 ? sorted.find((d) => d.start > caret) ?? sorted[0]
                          : [...sorted].reverse().find((d) => d.start < caret) ?? sorted[sorted.length - 1];
    this.select(next.start, next.end);
  }

  // Selects a range and scrolls it into view (a diagnostic, a rule's line).
  select(start, end) {
    this.input.focus({ preventScroll: true });
    this.input.setSelectionRange(start, end);
    const line = this.value.slice(0, start).split("\n").length;
    const lineHeight = parseFloat(getComputedStyle(this.input).lineHeight);
    const top = (line - 1) * lineHeight;
    if (top < this.scroller.scrollTop || top > this.scroller.scrollTop + this.scroller.clientHeight - 3 * lineHeight)
      this.scroller.scrollTo({ top: Math.max(0, top - this.scroller.clientHeight / 3) });
    this.caretMoved();
  }

  selectLine(line) {
    const starts = this.lineStarts();
    const start = starts[line - 1] ?? 0;
    const end = this.value.indexOf("\n", start);
    this.select(start, end === -1 ? this.value.length : end);
  }

  diagnosticsAt(index) {
    return this.diagnostics.filter((d) => d.start <= index && index <= d.end);
  }

  caretMoved() {
    const caret = this.input.selectionStart;
    const before = this.value.slice(0, caret);
    const line = before.split("\n").length;
    const column = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
    this.root.dispatchEvent(new CustomEvent("caret", { detail: { line, column, diagnostics: this.diagnosticsAt(caret) } }));
  }

  // The diagnostic under the mouse, from its position: the text is monospaced and never wraps.
  hover(e) {
    const rect = this.input.getBoundingClientRect();
    const style = getComputedStyle(this.input);
    const lineHeight = parseFloat(style.lineHeight);
    const charWidth = this.charWidth ??= this.measureCharWidth();
    const line = Math.floor((e.clientY - rect.top - parseFloat(style.paddingTop)) / lineHeight) + 1;
    const column = Math.floor((e.clientX - rect.left - parseFloat(style.paddingLeft)) / charWidth) + 1;
    const starts = this.lineStarts();
    const found = line >= 1 && line <= starts.length && column >= 1
      ? this.diagnosticsAt(indexOf(this.value, starts, line, column)) : [];
    if (!found.length) { this.tooltip.hidden = true; return; }
    this.tooltip.innerHTML = found.map(describe).join("");
    this.tooltip.hidden = false;
    const host = this.root.getBoundingClientRect();
    this.tooltip.style.left = `${e.clientX - host.left + 12}px`;
    this.tooltip.style.top = `${e.clientY - host.top + 18}px`;
  }

  measureCharWidth() {
    const probe = document.createElement("span");
    probe.textContent = "0".repeat(100);
    probe.style.visibility = "hidden";
    this.colours.appendChild(probe);
    const width = probe.getBoundingClientRect().width / 100;
    probe.remove();
    return width;
  }
}

// One diagnostic as HTML: its severity as a word and an icon, its message and its hint.
export function describe(d) {
  const icon = d.severity === "error" ? "✕" : d.severity === "warning" ? "!" : "i";
  return `<div class="diag diag-${d.severity}"><span class="diag-icon" aria-hidden="true">${icon}</span>` +
         `<span class="diag-where">${d.line}:${d.column}</span> <span class="diag-severity">${d.severity}</span> ` +
         `<span class="diag-message">${escapeHtml(d.message)}</span>` +
         (d.hint ? `<span class="diag-hint">${escapeHtml(d.hint)}</span>` : "") + `</div>`;
}

export { escapeHtml };
