// The authors' workbench: edit an agreement, see the checker's diagnostics as you type, and
// watch a course's verdicts on a timeline change with the edit. Talks to `agr serve`'s API
// (docs/server.md): /v1/check as you type, /v1/run with the source being edited.

import { Editor, describe, escapeHtml } from "./editor.js";
import { compareRuns } from "./compare.js";
import { courseModel, renderTimeline, STATUS } from "./timeline.js";

const $ = (selector) => document.querySelector(selector);
const CHECK_DELAY_MS = 250;

const NEW_AGREEMENT = `# A new agreement: see docs/language.md for every part of the language.
agreement draft "A draft agreement"

service 0301 "Indledende konsultation"
  fee 300.00 subsidy 120.00 patient 180.00
service 0302 "Træning"
  fee 200.00 subsidy 80.00 patient 120.00
service 0303 "Afsluttende konsultation"

course starts with 0301 ends with 0303

rule DRAFT-1 for 0302
  require started
  require date <= start + 3 months
  require count(0302 in start .. start + 3 months) < 6
  message "Training (0302) at most 6 times within 3 months of the start."
  source "Træning kan højst gives 6 gange inden for 3 måneder."
`;

const NEW_HISTORY = `{"id": "draft-1", "events": [{"id": "e1", "date": "2025-09-01", "code": "0301"}, {"id": "e2", "date": "2025-09-08", "code": "0302"}, {"id": "e3", "date": "2025-09-15", "code": "0302"}, {"id": "e4", "date": "2025-12-15", "code": "0302"}, {"id": "e5", "date": "2025-12-20", "code": "0303"}]}\n`;

const state = {
  agreements: [],
  loaded: null,          // the loaded agreement being edited (its listing), or null for a new one
  baseline: { source: "", label: "" },
  description: null,     // the current source's description, from /v1/check, when it compiles
  examples: [],
  current: null,         // [{history, verdict}] per line, from the current source
  before: null,          // the baseline's verdicts per line
  change: null,          // compareRuns(before, current)
  course: 0,             // the course shown
  selected: null,        // {kind: "event" | "due" | "gone", index}
  sequence: 0,           // the latest refresh; older answers are dropped
  runCache: new Map(),
};

// ---- the API ----------------------------------------------------------------------------------

async function call(path, { method = "GET", body, json } = {}) {
  const headers = {};
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(path, { method, body, headers });
  const text = await response.text();
  const type = response.headers.get("Content-Type") ?? "";
  return { status: response.status, text, data: type.startsWith("application/json") ? JSON.parse(text) : null };
}

// The histories split into lines as `agr run` splits them, each parsed where it parses (the
// timeline needs the events' dates, which the verdicts do not repeat).
function historyLines(text) {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => { try { return JSON.parse(line); } catch { return null; } });
}

async function run(source) {
  const histories = $("#histories").value;
  const asOf = $("#as-of").value;
  const key = JSON.stringify([source, histories, asOf]);
  if (state.runCache.has(key)) return state.runCache.get(key);
  const request = { histories, ...(asOf ? { as_of: asOf } : {}),
                    ...(state.loaded && !state.loaded.has_source ? { agreement: state.loaded.name } : { source }) };
  const answer = await call("/v1/run", { method: "POST", json: request });
  if (answer.status !== 200) throw new Error(answer.data?.error?.message ?? `the server answered ${answer.status}`);
  const verdicts = answer.text.split("\n").filter((l) => l).map((l) => JSON.parse(l));
  const inputs = historyLines(histories);
  const result = verdicts.map((verdict, i) => ({ history: inputs[i], verdict }));
  if (state.runCache.size > 20) state.runCache.clear();
  state.runCache.set(key, result);
  return result;
}

// ---- checking and running as the author types ---------------------------------------------------

let timer = null;
function schedule(delay = CHECK_DELAY_MS) {
  clearTimeout(timer);
  timer = setTimeout(refresh, delay);
}

async function refresh() {
  const sequence = ++state.sequence;
  const source = editor.value;
  setStatus("busy", "Checking…");
  try {
    let compiles = true;
    if (!state.loaded || state.loaded.has_source) {
      const file = state.loaded ? state.loaded.file.split("/").pop() : "draft.agr";
      const check = await call(`/v1/check?file=${encodeURIComponent(file)}`, { method: "POST", body: source });
      if (sequence !== state.sequence) return;
      if (check.status !== 200) throw new Error(check.data?.error?.message ?? `check answered ${check.status}`);
      showProblems(check.data);
      compiles = check.data.errors === 0;
      if (compiles) state.description = check.data.agreement;
    } else {
      state.description = state.loaded;
      showProblems({ errors: 0, warnings: 0, diagnostics: [] });
    }
    if (!compiles) {
      $("#stale").hidden = !state.current;
      $("#stale").textContent = "The agreement has errors: the timeline shows the last version that compiled.";
      return;
    }
    const [current, before] = await Promise.all([run(source), state.baseline.source === source ? null : run(state.baseline.source).catch(() => null)]);
    if (sequence !== state.sequence) return;
    state.current = current;
    state.before = before;
    state.change = before ? compareRuns(before.map((c) => c.verdict), current.map((c) => c.verdict)) : null;
    $("#stale").hidden = true;
    render();
  } catch (error) {
    if (sequence !== state.sequence) return;
    setStatus("error", `✕ ${error.message}`);
  }
}

function setStatus(kind, text) {
  const pill = $("#check-status");
  pill.className = `pill pill-${kind}`;
  pill.textContent = text;
}

function showProblems(result) {
  editor.setDiagnostics(result.diagnostics);
  const list = $("#problems");
  list.innerHTML = result.diagnostics.map((d, i) => `<li><button type="button" data-problem="${i}">${describe(d)}</button></li>`).join("") ||
                   `<li class="none">No problems.</li>`;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  $("#problem-count").textContent = result.diagnostics.length ? `(${plural(result.errors, "error")}, ${plural(result.warnings, "warning")})` : "";
  if (result.errors) setStatus("error", `✕ ${plural(result.errors, "error")}`);
  else setStatus("ok", result.warnings ? `✓ compiles, ${plural(result.warnings, "warning")}` : "✓ compiles");
  list.onclick = (e) => {
    const button = e.target.closest("[data-problem]");
    if (button) {
      const d = editor.diagnostics[+button.dataset.problem];
      editor.select(d.start, d.end);
    }
  };
}

// ---- rendering the courses ----------------------------------------------------------------------

function render() {
  const courses = state.current ?? [];
  if (state.course >= courses.length) state.course = 0;
  $("#courses").innerHTML = courses.map(({ history, verdict }, i) => {
    const rejected = verdict.events?.filter((e) => e.status === "rejected").length ?? 0;
    const warnings = verdict.warnings?.length ?? 0;
    const changed = state.change?.courses[i].changed;
    const summary = verdict.error ? `<span class="count count-error">✕ error</span>`
      : `${rejected ? `<span class="count count-rejected">✕ ${rejected}</span>` : `<span class="count count-accepted">✓</span>`}` +
        `${warnings ? ` <span class="count count-warning">⚠ ${warnings}</span>` : ""}`;
    return `<button type="button" role="tab" class="course-tab${changed ? " course-changed" : ""}" aria-selected="${i === state.course}" data-course="${i}">
      ${escapeHtml(verdict.id ?? history?.id ?? `line ${i + 1}`)} ${summary}${changed ? ` <span class="count count-changed">changed</span>` : ""}</button>`;
  }).join("");
  renderChanges();
  renderCourse();
}

function renderCourse() {
  const entry = state.current?.[state.course];
  const timeline = $("#timeline");
  const banner = $("#course-error");
  banner.hidden = true;
  if (!entry) {
    timeline.innerHTML = `<p class="empty">Paste a course history, or pick an example.</p>`;
    renderDetails();
    return;
  }
  if (entry.verdict.error) {
    banner.hidden = false;
    banner.innerHTML = `<strong>✕ Line ${entry.verdict.error.line} is not a history this agreement can judge.</strong> ${escapeHtml(entry.verdict.error.message)}`;
    timeline.innerHTML = "";
    renderDetails();
    return;
  }
  const model = courseModel(entry.history, entry.verdict, state.description, $("#as-of").value);
  state.model = model;
  renderTimeline(timeline, model, state.change?.courses[state.course]);
  if (!state.selected) {
    const rejected = model.rows.find((r) => r.status === "rejected" || r.warnings.length);
    if (rejected) state.selected = { kind: "event", index: rejected.index };
  }
  const selector = state.selected?.kind === "event" ? `[data-event="${state.selected.index}"]`
                 : state.selected ? `[data-due="${state.selected.index}"][data-removed="${state.selected.kind === "gone" ? 1 : 0}"]` : null;
  if (selector) timeline.querySelector(selector)?.classList.add("tl-selected");
  renderDetails();
}

const ruleOf = (id) => state.description?.rules.find((r) => r.id === id) ?? state.description?.due.find((d) => d.id === id);

function ruleHtml(item, kind) {
  const rule = ruleOf(item.rule);
  const line = rule?.line;
  return `<div class="rule rule-${kind}">
    <div class="rule-head"><span class="rule-id">${escapeHtml(item.rule)}</span>
      ${line ? `<button type="button" class="link" data-line="${line}">show in the agreement (line ${line})</button>` : ""}</div>
    <p class="rule-message">${escapeHtml(item.message ?? rule?.message ?? "")}</p>
    ${(item.source ?? rule?.source) ? `<blockquote class="rule-source" lang="da">${escapeHtml(item.source ?? rule.source)}</blockquote>` : ""}
  </div>`;
}

function renderDetails() {
  const box = $("#details");
  const model = state.model;
  const selected = state.selected;
  const entry = state.current?.[state.course];
  if (!selected || !model || !entry || entry.verdict.error) {
    box.innerHTML = `<p class="empty">Choose an event or a due item on the timeline to see its verdict, the rules behind it and their source.</p>`;
    return;
  }
  const change = state.change?.courses[state.course];
  if (selected.kind === "event") {
    const row = model.rows.find((r) => r.index === selected.index);
    if (!row) { box.innerHTML = ""; return; }
    const was = change?.events.get(row.id);
    box.innerHTML = `<h3>${escapeHtml(row.id)} · ${row.date} · <span class="tl-code">${escapeHtml(row.code)}</span> ${escapeHtml(row.title)}</h3>
      <p>${`<span class="badge badge-${row.status}"><span aria-hidden="true">${STATUS[row.status].icon}</span> ${STATUS[row.status].word}</span>`}
        ${row.clinic ? ` · clinic ${escapeHtml(row.clinic)}` : ""}${row.flags.length ? ` · flags ${row.flags.map(escapeHtml).join(", ")}` : ""}
        ${row.fee ? ` · fee <strong>${row.fee.total}</strong> (subsidy ${row.fee.subsidy}, patient ${row.fee.patient})` : ""}</p>
      ${row.status === "not_governed" ? `<p class="muted">The agreement does not govern code ${escapeHtml(row.code)}: no rule judges it and it counts for nothing.</p>` : ""}
      ${row.violations.map((v) => ruleHtml(v, "rejected")).join("")}
      ${row.warnings.map((w) => ruleHtml(w, "warning")).join("")}
      ${was ? `<p class="was-box"><strong>Before the edit:</strong> ${STATUS[was.before.status].icon} ${STATUS[was.before.status].word}${(was.before.violations ?? []).length ? " by " + was.before.violations.map((v) => v.rule).join(", ") : ""}${was.before.fee ? `, fee ${was.before.fee.total}` : ""}</p>` : ""}`;
  } else {
    const list = selected.kind === "gone" ? change?.due.removed ?? [] : model.due;
    const d = list[selected.index];
    if (!d) { box.innerHTML = ""; return; }
    const rule = state.description?.due.find((x) => x.id === d.rule && x.code === d.code);
    box.innerHTML = `<h3>Due: <span class="tl-code">${escapeHtml(d.code)}</span> ${escapeHtml(model.titles.get(d.code) ?? "")}</h3>
      <dl class="due-dates"><dt>earliest</dt><dd>${d.earliest}</dd><dt>target</dt><dd>${d.target}</dd>
        <dt>latest</dt><dd>${d.latest ?? "no deadline stated"}</dd><dt>as of</dt><dd>${model.evaluation}${d.overdue ? ` — <span class="badge badge-overdue">! overdue</span>` : ""}</dd></dl>
      ${selected.kind === "gone" ? `<p class="was-box">No longer due after the edit.</p>` : ""}
      ${ruleHtml({ rule: d.rule, message: rule?.message, source: rule?.source }, "due")}`;
  }
}

function renderChanges() {
  const box = $("#changes");
  if (!state.change) {
    box.innerHTML = `<p class="muted">Edit the agreement (a limit, a window, a fee) and what changes for these courses shows here${state.baseline.label ? `, against ${escapeHtml(state.baseline.label)}` : ""}.</p>`;
    return;
  }
  const items = [];
  state.change.courses.forEach((c, i) => {
    if (!c.changed) return;
    const id = state.current[i].verdict.id ?? `line ${i + 1}`;
    const entry = (text, attrs = "") => items.push(`<li><button type="button" class="link" data-course="${i}" ${attrs}>${escapeHtml(id)}</button> ${text}</li>`);
    if (c.error) entry(c.error.after ? `is now an error line: ${escapeHtml(c.error.after.message)}` : "is no longer an error line");
    for (const [eventId, e] of c.events) {
      const rules = (v) => (v.violations ?? []).map((x) => x.rule).join(", ");
      const index = state.current[i].verdict.events.findIndex((x) => x.id === eventId);
      entry(`${escapeHtml(eventId)} (${escapeHtml(e.after.code)}): ${STATUS[e.before.status].icon} ${STATUS[e.before.status].word}${rules(e.before) ? " by " + rules(e.before) : ""}` +
            ` → <strong>${STATUS[e.after.status].icon} ${STATUS[e.after.status].word}${rules(e.after) ? " by " + rules(e.after) : ""}</strong>` +
            (e.what.includes("fee") && !e.what.includes("status") ? `, fee ${e.before.fee?.total ?? "none"} → ${e.after.fee?.total ?? "none"}` : ""), `data-event="${index}"`);
    }
    for (const w of c.warnings.added) entry(`new warning ⚠ ${escapeHtml(w.rule)} on ${escapeHtml(w.event)}`);
    for (const w of c.warnings.removed) entry(`warning ⚠ ${escapeHtml(w.rule)} on ${escapeHtml(w.event)} is gone`);
    for (const d of c.due.added) entry(`now due: ${escapeHtml(d.code)} (${escapeHtml(d.rule)}) from ${d.earliest}`);
    for (const d of c.due.removed) entry(`no longer due: ${escapeHtml(d.code)} (${escapeHtml(d.rule)})`);
    for (const m of c.due.moved) entry(`${escapeHtml(m.after.code)} due ${m.before.earliest} – ${m.before.latest ?? "open"} → ${m.after.earliest} – ${m.after.latest ?? "open"}${m.after.overdue !== m.before.overdue ? (m.after.overdue ? ", now overdue" : ", no longer overdue") : ""}`);
    if (c.totals) entry(`totals ${c.totals.before.total} → <strong>${c.totals.after.total}</strong> (subsidy ${c.totals.before.subsidy} → ${c.totals.after.subsidy}, patient ${c.totals.before.patient} → ${c.totals.after.patient})`);
  });
  box.innerHTML = `<h3>What the edit changes <span class="muted">against ${escapeHtml(state.baseline.label)}</span></h3>
    <p class="summary${state.change.changed ? " summary-changed" : ""}">${state.change.summary}</p>
    ${items.length ? `<ul class="change-list">${items.join("")}</ul>` : ""}`;
}

// ---- choosing agreements and histories ----------------------------------------------------------

async function openAgreement(name) {
  state.loaded = state.agreements.find((a) => a.name === name) ?? null;
  let source = NEW_AGREEMENT;
  if (state.loaded?.has_source) {
    const answer = await call(`/v1/agreements/${encodeURIComponent(name)}/source`);
    source = answer.text;
  } else if (state.loaded) {
    source = `# ${state.loaded.name} was loaded from bytecode (${state.loaded.file}): there is no source to edit.\n`;
  }
  editor.value = source;
  editor.readOnly = Boolean(state.loaded && !state.loaded.has_source);
  $("#agreement-title").textContent = state.loaded?.title ?? "a new agreement";
  setBaseline(state.loaded ? `the loaded ${state.loaded.name}` : "the template");
  state.selected = null;
  state.course = 0;
  // The examples of agreements/NAME.agr are examples/histories/NAME.jsonl.
  const stem = state.loaded?.file.split("/").pop().replace(/\.agrc?$/, "");
  const example = state.examples.find((e) => e === `${stem}.jsonl`);
  $("#example-picker").value = example ?? "";
  if (example) {
    await loadExample(example);
  } else {
    $("#histories").value = state.loaded ? "" : NEW_HISTORY;
    document.querySelector(".histories-box").open = Boolean(state.loaded);  // to paste some
  }
  schedule(0);
}

function setBaseline(label) {
  state.baseline = { source: editor.value, label };
  $("#baseline-note").textContent = `Comparing with ${label}.`;
}

async function loadExample(name) {
  const answer = await call(`/examples/histories/${encodeURIComponent(name)}`);
  $("#histories").value = answer.text;
  state.course = 0;
  state.selected = null;
}

// ---- wiring -------------------------------------------------------------------------------------

let editor;

async function main() {
  const [language, agreements, examples] = await Promise.all([
    call("/v1/language"), call("/v1/agreements"), call("/examples/index.json")]);
  state.agreements = agreements.data.agreements;
  state.examples = examples.data;
  editor = new Editor($("#editor"), { keywords: new Set(language.data.keywords), onChange: () => schedule() });

  $("#agreement-picker").innerHTML = state.agreements.map((a) => `<option value="${escapeHtml(a.name)}">${escapeHtml(a.name)}</option>`).join("") +
                                     `<option value="">new agreement…</option>`;
  $("#example-picker").innerHTML = `<option value="">(your own)</option>` +
    state.examples.map((e) => `<option value="${escapeHtml(e)}">${escapeHtml(e)}</option>`).join("");

  $("#agreement-picker").addEventListener("change", (e) => openAgreement(e.target.value));
  $("#example-picker").addEventListener("change", async (e) => {
    if (e.target.value) await loadExample(e.target.value);
    schedule(0);
  });
  $("#histories").addEventListener("input", () => { state.selected = null; schedule(); });
  $("#as-of").addEventListener("change", () => schedule(0));
  $("#revert").addEventListener("click", () => {
    editor.value = state.baseline.source;
    schedule(0);
  });
  $("#set-baseline").addEventListener("click", () => {
    setBaseline(`your version of ${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
    schedule(0);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); schedule(0); }
  });

  $("#editor").addEventListener("caret", (e) => {
    const { line, column, diagnostics } = e.detail;
    $("#caret-status").innerHTML = `<span class="muted">Ln ${line}, Col ${column}</span>` +
      (diagnostics.length ? ` ${diagnostics.map(describe).join("")}` : "");
  });

  $("#courses").addEventListener("click", (e) => {
    const tab = e.target.closest("[data-course]");
    if (!tab) return;
    state.course = +tab.dataset.course;
    state.selected = null;
    render();
  });
  $("#courses").addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const tabs = [...document.querySelectorAll(".course-tab")];
    const next = tabs[(tabs.indexOf(document.activeElement) + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next?.focus();
  });

  const timeline = $("#timeline");
  timeline.addEventListener("click", (e) => {
    const row = e.target.closest(".tl-row[data-event], .tl-row[data-due]");
    if (!row) return;
    state.selected = row.dataset.event !== undefined ? { kind: "event", index: +row.dataset.event }
                                                     : { kind: row.dataset.removed === "1" ? "gone" : "due", index: +row.dataset.due };
    for (const r of timeline.querySelectorAll(".tl-row")) r.classList.toggle("tl-selected", r === row);
    renderDetails();
  });
  timeline.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const rows = [...timeline.querySelectorAll("button.tl-row")];
    const i = rows.indexOf(document.activeElement);
    const next = rows[i + (e.key === "ArrowDown" ? 1 : -1)];
    if (next) { e.preventDefault(); next.focus(); }
  });
  for (const type of ["mouseover", "focusin"]) timeline.addEventListener(type, (e) => showTooltip(e.target.closest(".tl-row[data-event]")));
  for (const type of ["mouseleave", "focusout"]) timeline.addEventListener(type, () => showTooltip(null));

  document.body.addEventListener("click", (e) => {
    const link = e.target.closest("[data-line]");
    if (link) editor.selectLine(+link.dataset.line);
    const change = e.target.closest("#changes [data-course]");
    if (change) {
      state.course = +change.dataset.course;
      state.selected = change.dataset.event !== undefined ? { kind: "event", index: +change.dataset.event } : null;
      render();
    }
  });

  const wanted = new URLSearchParams(location.search).get("agreement");
  const first = state.agreements.find((a) => a.name === wanted) ?? state.agreements[0];
  $("#agreement-picker").value = first?.name ?? "";
  await openAgreement(first?.name ?? "");
}

// The rule and its message beside a row, on hover or keyboard focus.
function showTooltip(row) {
  const tip = $("#tooltip");
  const event = row && state.model?.rows.find((r) => r.index === +row.dataset.event);
  const items = event ? [...event.violations.map((v) => ({ ...v, kind: "rejected" })), ...event.warnings.map((w) => ({ ...w, kind: "warning" }))] : [];
  if (!items.length) { tip.hidden = true; return; }
  tip.innerHTML = items.map((v) => `<p><strong>${v.kind === "rejected" ? "✕" : "⚠"} ${escapeHtml(v.rule)}</strong> ${escapeHtml(v.message)}</p>`).join("");
  const marker = row.querySelector(".marker").getBoundingClientRect();
  tip.hidden = false;
  tip.style.left = `${Math.min(marker.left + window.scrollX, window.innerWidth - tip.offsetWidth - 16)}px`;
  tip.style.top = `${marker.bottom + window.scrollY + 6}px`;
}

main().catch((error) => setStatus("error", `✕ The page could not start: ${error.message}`));
