// What an edit changes, from `agr serve`'s POST /v1/diff: the server compares the two versions
// exactly as `agr diff` does (diff/ in the repository), and this file only turns its report (one
// JSON line per changed course, then "compared N courses: M changed") into what the timeline and
// the list of changes draw: per input line, the events whose verdict changed (before and after),
// the warnings and due items that appeared, went or moved, and the totals. Nothing is compared
// here.

const verdictOf = (side, code) => side && {
  status: side.status, code,
  violations: (side.rules ?? []).map((rule) => ({ rule })),
  ...(side.fee ? { fee: side.fee } : {}),
};
const sameSplit = (a, b) => ["total", "subsidy", "patient"].every((k) => (a?.[k] ?? null) === (b?.[k] ?? null));
const sameDue = (d, item) => ["earliest", "target", "latest", "overdue"].every((k) => (d[k] ?? null) === (item[k] ?? null));

function unchanged() {
  return { changed: false, events: new Map(), warnings: { added: [], removed: [] },
           due: { added: [], removed: [], moved: [] }, totals: null, error: null };
}

// One changed course of the report, against the current verdict of its line (whose due items the
// timeline draws: an item that appeared or moved is found among them).
function courseChange(line, verdict) {
  const change = unchanged();
  change.changed = true;
  if (line.error) {
    const error = { message: line.error.message };
    change.error = line.error.version === "old" ? { before: error, after: null } : { before: null, after: error };
    return change;
  }
  for (const e of line.events) {
    const before = verdictOf(e.old, e.code), after = verdictOf(e.new, e.code);
    const what = [];
    if (e.old.status !== e.new.status) what.push("status");
    if ((e.old.rules ?? []).join() !== (e.new.rules ?? []).join()) what.push("rules");
    if (!sameSplit(e.old.fee, e.new.fee)) what.push("fee");
    change.events.set(e.id, { before, after, what });
  }
  for (const w of line.warnings) {
    if (w.old_event !== undefined) change.warnings.removed.push({ rule: w.rule, event: w.old_event });
    if (w.new_event !== undefined) change.warnings.added.push({ rule: w.rule, event: w.new_event });
  }
  const current = (d) => (verdict?.due ?? []).find((item) => item.code === d.code && item.rule === d.rule && sameDue(d.new, item));
  for (const d of line.due) {
    if (d.change === "appeared") change.due.added.push(current(d) ?? { code: d.code, rule: d.rule, ...d.new });
    else if (d.change === "went") change.due.removed.push({ code: d.code, rule: d.rule, ...d.old });
    else change.due.moved.push({ before: { code: d.code, rule: d.rule, ...d.old }, after: current(d) ?? { code: d.code, rule: d.rule, ...d.new } });
  }
  if (!sameSplit(line.totals.old, line.totals.new)) change.totals = { before: line.totals.old, after: line.totals.new };
  return change;
}

// The report of POST /v1/diff (format jsonl) for `lines` input lines, whose current verdicts are
// `verdicts`: {courses (one per input line), summary (the report's closing line), changed}.
export function readDiff(report, verdicts) {
  const lines = report.split("\n").filter((l) => l);
  const summary = lines.pop() ?? "";
  const courses = verdicts.map(() => unchanged());
  for (const text of lines) {
    const line = JSON.parse(text);
    if (line.line >= 1 && line.line <= courses.length) courses[line.line - 1] = courseChange(line, verdicts[line.line - 1]);
  }
  return { courses, summary, changed: lines.length };
}
