// One course on a timeline: a row per event by date with its verdict, the due items as windows
// on the same axis, the course's start and end, the referral and the evaluation date marked
// across every row, and the fees and totals. Status is never told by colour alone: each has its
// icon and its word.

import { escapeHtml } from "./editor.js";

const DAY = 86400000;
export const toDay = (iso) => Math.round(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY);
const fromDay = (day) => new Date(day * DAY).toISOString().slice(0, 10);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const STATUS = {
  accepted: { icon: "✓", word: "accepted" },
  rejected: { icon: "✕", word: "rejected" },
  not_governed: { icon: "–", word: "not governed" },
};

const statusBadge = (status, extra = "") =>
  `<span class="badge badge-${status}"><span aria-hidden="true">${STATUS[status].icon}</span> ${STATUS[status].word}${extra}</span>`;

// The course's start and end as the runtime has them: the first accepted event (by date, then
// input order) of the `starts with` set, and of the `ends with` set.
function courseDates(rows, course) {
  if (!course) return {};
  const first = (codes) => rows.find((r) => r.status === "accepted" && codes.includes(r.code))?.date;
  return { start: first(course.starts_with), end: first(course.ends_with) };
}

// Everything the timeline shows of one course, in date order.
export function courseModel(history, verdict, description, asOf) {
  const titles = new Map((description?.services ?? []).map((s) => [s.code, s.title]));
  const rows = history.events.map((input, i) => {
    const out = verdict.events[i] ?? {};
    return { index: i, id: input.id, date: input.date, code: input.code, title: titles.get(input.code) ?? "",
             clinic: input.clinic ?? history.clinic ?? null, flags: input.flags ?? [], status: out.status,
             violations: out.violations ?? [], fee: out.fee ?? null,
             warnings: verdict.warnings.filter((w) => w.event === input.id) };
  }).sort((a, b) => a.date.localeCompare(b.date) || a.index - b.index);
  const dates = rows.map((r) => r.date);
  const evaluation = asOf || (dates.length ? dates.reduce((a, b) => (a > b ? a : b)) : null);
  return { rows, due: verdict.due, totals: verdict.totals, referral: history.referral_date ?? null,
           evaluation, ...courseDates(rows, description?.course), titles };
}

function axisOf(model, change) {
  const days = model.rows.map((r) => toDay(r.date));
  const windows = [...model.due, ...(change?.due.removed ?? [])];
  for (const d of windows) days.push(toDay(d.earliest), toDay(d.target), ...(d.latest ? [toDay(d.latest)] : []));
  for (const date of [model.referral, model.evaluation]) if (date) days.push(toDay(date));
  if (!days.length) return null;
  let lo = Math.min(...days), hi = Math.max(...days);
  const span = Math.max(hi - lo, 28);
  lo -= span * 0.04;
  hi = lo + span * 1.1;
  return { lo, hi, x: (day) => (100 * (day - lo)) / (hi - lo) };
}

function ticks(axis) {
  const out = [];
  const d = new Date(axis.lo * DAY);
  let month = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  const months = (axis.hi - axis.lo) / 30.4;
  const every = months > 30 ? 6 : months > 14 ? 3 : months > 7 ? 2 : 1;
  while (month.getTime() / DAY < axis.hi) {
    const m = month.getUTCMonth();
    // (a label at the right edge would run into the next column)
    if (m % every === 0 && axis.x(month.getTime() / DAY) < 94) {
      const label = m === 0 || !out.length ? `${MONTHS[m]} ${month.getUTCFullYear()}` : MONTHS[m];
      out.push({ x: axis.x(month.getTime() / DAY), label });
    }
    month = new Date(Date.UTC(month.getUTCFullYear(), m + 1, 1));
  }
  return out;
}

// The guides every row's track repeats, so that they read as lines across the timeline.
function guides(model, axis) {
  const list = [];
  if (model.referral) list.push({ kind: "referral", date: model.referral, label: "referral" });
  if (model.start) list.push({ kind: "start", date: model.start, label: "course start" });
  if (model.end) list.push({ kind: "end", date: model.end, label: "course end" });
  if (model.evaluation) list.push({ kind: "asof", date: model.evaluation, label: "as of" });
  return list.map((g) => ({ ...g, x: axis.x(toDay(g.date)) }));
}

const guideHtml = (gs) => gs.map((g) => `<span class="guide guide-${g.kind}" style="left:${g.x}%"></span>`).join("");

function eventRow(row, axis, gs, change) {
  const was = change?.events.get(row.id);
  const rules = row.violations.map((v) => v.rule);
  let verdict = statusBadge(row.status, rules.length ? ` · ${rules.join(", ")}` : "");
  for (const w of row.warnings) verdict += ` <span class="badge badge-warning"><span aria-hidden="true">⚠</span> ${escapeHtml(w.rule)}</span>`;
  if (was) {
    const before = was.before;
    const beforeRules = (before.violations ?? []).map((v) => v.rule);
    // A fee that changed with the status needs no word of its own.
    const fee = was.what.includes("fee") && !was.what.includes("status") ? ` · fee ${before.fee?.total ?? "none"}` : "";
    verdict += ` <span class="was">was ${STATUS[before.status].icon} ${STATUS[before.status].word}${beforeRules.length ? " · " + beforeRules.join(", ") : ""}${fee}</span>`;
  }
  for (const w of change?.warnings.removed.filter((w) => w.event === row.id) ?? [])
    verdict += ` <span class="was">was ⚠ ${escapeHtml(w.rule)}</span>`;
  const warned = row.warnings.length > 0;
  const added = change?.warnings.added.some((w) => w.event === row.id);
  const label = `${row.date}, event ${row.id}, ${row.code} ${row.title}: ${STATUS[row.status].word}` +
                (rules.length ? ` by ${rules.join(", ")}` : "") + (warned ? `, warning ${row.warnings.map((w) => w.rule).join(", ")}` : "") +
                (was ? `, was ${STATUS[was.before.status].word}` : "");
  return `<li><button type="button" class="tl-row tl-${row.status}${was || added ? " tl-changed" : ""}" data-event="${row.index}" aria-label="${escapeHtml(label)}">
    <span class="tl-date">${row.date}</span>
    <span class="tl-event" title="${escapeHtml(row.code + " " + row.title)}"><span class="tl-code">${escapeHtml(row.code)}</span> <span class="tl-title">${escapeHtml(row.title || "not in this agreement")}</span> <span class="tl-id">${escapeHtml(row.id)}</span></span>
    <span class="tl-track">${guideHtml(gs)}<span class="marker marker-${row.status}${warned ? " marker-warned" : ""}" style="left:${axis.x(toDay(row.date))}%" aria-hidden="true">${STATUS[row.status].icon}</span></span>
    <span class="tl-verdict">${verdict}</span>
    <span class="tl-fee">${row.fee ? row.fee.total : ""}</span>
  </button></li>`;
}

function dueRow(d, index, axis, gs, titles, state) {
  const from = axis.x(toDay(d.earliest));
  const to = d.latest ? axis.x(toDay(d.latest)) : 100;
  const word = state.removed ? "no longer due" : d.overdue ? "overdue" : "due";
  const icon = state.removed ? "–" : d.overdue ? "!" : "◷";
  let verdict = `<span class="badge badge-due${d.overdue && !state.removed ? " badge-overdue" : ""}"><span aria-hidden="true">${icon}</span> ${word} · ${escapeHtml(d.rule)}</span>`;
  if (state.added) verdict += ` <span class="was">new</span>`;
  if (state.moved) verdict += ` <span class="was">was ${state.moved.earliest} – ${state.moved.latest ?? "open"}</span>`;
  const when = `${d.earliest}<br>– ${d.latest ?? "open"}`;
  const label = `${d.code} ${titles.get(d.code) ?? ""}, ${word} under ${d.rule}: earliest ${d.earliest}, target ${d.target}` +
                (d.latest ? `, latest ${d.latest}` : ", no deadline");
  return `<li><button type="button" class="tl-row tl-due${d.overdue ? " tl-overdue" : ""}${state.removed ? " tl-removed" : ""}${state.added || state.moved ? " tl-changed" : ""}"
      data-due="${index}" data-removed="${state.removed ? 1 : 0}" aria-label="${escapeHtml(label)}">
    <span class="tl-date">${when}</span>
    <span class="tl-event"><span class="tl-code">${escapeHtml(d.code)}</span> <span class="tl-title">${escapeHtml(titles.get(d.code) ?? "")}</span></span>
    <span class="tl-track">${guideHtml(gs)}<span class="window${d.latest ? "" : " window-open"}" style="left:${from}%;width:${Math.max(to - from, 0.6)}%"></span><span class="target" style="left:${axis.x(toDay(d.target))}%" title="target ${d.target}" aria-hidden="true">◆</span></span>
    <span class="tl-verdict">${verdict}</span>
    <span class="tl-fee"></span>
  </button></li>`;
}

export function renderTimeline(root, model, change) {
  const axis = axisOf(model, change);
  if (!axis) {
    root.innerHTML = `<p class="empty">This course has no events.</p>`;
    return;
  }
  const gs = guides(model, axis);
  const head = `<div class="tl-row tl-head" aria-hidden="true">
      <span class="tl-date">Date</span><span class="tl-event">Service</span>
      <span class="tl-track tl-axis">${ticks(axis).map((t) => `<span class="tick" style="left:${t.x}%">${t.label}</span>`).join("")}${gs.map((g) => `<span class="guide-label guide-label-${g.kind}" style="left:${g.x}%">${g.label}</span>`).join("")}${guideHtml(gs)}</span>
      <span class="tl-verdict">Verdict</span><span class="tl-fee">Fee</span></div>`;
  const events = model.rows.map((r) => eventRow(r, axis, gs, change)).join("");
  const due = model.due.map((d, i) => dueRow(d, i, axis, gs, model.titles, {
    added: change?.due.added.includes(d), moved: change?.due.moved.find((m) => m.after === d)?.before })).join("");
  const gone = (change?.due.removed ?? []).map((d, i) => dueRow(d, i, axis, gs, model.titles, { removed: true })).join("");
  const t = model.totals;
  const was = change?.totals?.before;
  root.innerHTML = `${head}
    <ol class="tl-rows" aria-label="Events by date">${events}</ol>
    ${due || gone ? `<h4 class="tl-section">Due as of ${model.evaluation}</h4><ol class="tl-rows" aria-label="Due items">${due}${gone}</ol>` : ""}
    <div class="tl-totals${was ? " tl-changed" : ""}"><span>Totals</span>
      <span><strong>${t.total}</strong> kr. <span class="muted">subsidy ${t.subsidy} · patient ${t.patient}</span>${was ? ` <span class="was">was ${was.total} (subsidy ${was.subsidy} · patient ${was.patient})</span>` : ""}</span></div>`;
  separateLabels(root);
}

// Labels on the axis that would overlap: a guide's label moves down a lane, a month's is left out.
function separateLabels(root) {
  const lanes = [];  // the right edge of the last label in each lane
  for (const label of [...root.querySelectorAll(".guide-label")].sort((a, b) => a.getBoundingClientRect().left - b.getBoundingClientRect().left)) {
    const box = label.getBoundingClientRect();
    let lane = lanes.findIndex((right) => box.left > right + 4);
    if (lane === -1) lane = lanes.length;
    lanes[lane] = box.right;
    label.style.top = `${lane * 12}px`;
  }
  let right = -Infinity;
  for (const tick of root.querySelectorAll(".tick")) {
    const box = tick.getBoundingClientRect();
    if (box.left < right + 6) tick.classList.add("tick-unlabelled");
    else right = box.right;
  }
}

export { fromDay };
