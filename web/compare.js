// What changed between two runs of the same histories (before and after an edit), course by
// course, with the differences `agr diff` reports: an event's status, rules broken or fee; a
// warning or due item that appeared, went or moved; the totals. Both runs judge the same lines,
// so line i of one answers line i of the other.

const rulesOf = (event) => (event.violations ?? []).map((v) => v.rule).sort().join(", ");
const feeOf = (event) => event.fee?.total ?? null;
const dueKey = (d) => `${d.code} ${d.rule}`;
const warningKey = (w) => `${w.rule} ${w.event}`;

function compareCourse(before, after) {
  const change = { changed: false, events: new Map(), warnings: { added: [], removed: [] },
                   due: { added: [], removed: [], moved: [] }, totals: null, error: null };
  if (!before || !after) return change;
  if (Boolean(before.error) !== Boolean(after.error) ||
      (before.error && after.error && before.error.message !== after.error.message)) {
    change.changed = true;
    change.error = { before: before.error ?? null, after: after.error ?? null };
    return change;
  }
  if (after.error) return change;  // an error under both versions is not a change

  const old = new Map(before.events.map((e) => [e.id, e]));
  for (const event of after.events) {
    const was = old.get(event.id);
    if (!was) continue;
    const what = [];
    if (was.status !== event.status) what.push("status");
    if (rulesOf(was) !== rulesOf(event)) what.push("rules");
    if (feeOf(was) !== feeOf(event)) what.push("fee");
    if (what.length) change.events.set(event.id, { before: was, after: event, what });
  }

  const oldWarnings = new Set(before.warnings.map(warningKey));
  const newWarnings = new Set(after.warnings.map(warningKey));
  change.warnings.added = after.warnings.filter((w) => !oldWarnings.has(warningKey(w)));
  change.warnings.removed = before.warnings.filter((w) => !newWarnings.has(warningKey(w)));

  const oldDue = new Map(before.due.map((d) => [dueKey(d), d]));
  const newDue = new Map(after.due.map((d) => [dueKey(d), d]));
  for (const d of after.due) {
    const was = oldDue.get(dueKey(d));
    if (!was) change.due.added.push(d);
    else if (["earliest", "target", "latest", "overdue"].some((k) => was[k] !== d[k])) change.due.moved.push({ before: was, after: d });
  }
  change.due.removed = before.due.filter((d) => !newDue.has(dueKey(d)));

  if (["total", "subsidy", "patient"].some((k) => before.totals[k] !== after.totals[k]))
    change.totals = { before: before.totals, after: after.totals };

  change.changed = change.events.size > 0 || change.warnings.added.length > 0 || change.warnings.removed.length > 0 ||
                   change.due.added.length + change.due.removed.length + change.due.moved.length > 0 || change.totals !== null;
  return change;
}

// Per line: the course's change; and the summary line `agr diff` ends with.
export function compareRuns(before, after) {
  const courses = after.map((line, i) => compareCourse(before[i], line));
  const changed = courses.filter((c) => c.changed).length;
  return { courses, summary: `compared ${after.length} courses: ${changed} changed`, changed };
}
