#include "reference.h"

#include <algorithm>
#include <numeric>

#include "calendar.h"
#include "driver.h"
#include "history_reader.h"
#include "scratch.h"
#include "verdict_writer.h"

namespace agr::reference {
namespace {

using ast::Expr;
using K = ast::Expr::Kind;

struct OutOfCalendar {};

struct Accepted {
  Day date;
  int service;
  uint32_t clinic;
  uint64_t flags;
};

// Everything a rule may look at: the accepted events so far, and the event being judged (or,
// for a due item, the evaluation date).
struct Context {
  const ast::Agreement& a;
  const Program& program;
  const PreparedHistory& history;
  std::vector<Accepted> accepted;
  Day date = 0;
  int service = -1;
  uint32_t clinic = 0;
  uint64_t flags = 0;

  bool in(int set, int service) const {
    const auto& members = a.sets[set];
    return std::find(members.begin(), members.end(), service) != members.end();
  }
  std::optional<Day> first_in(int set) const {
    for (const Accepted& e : accepted)
      if (in(set, e.service)) return e.date;
    return std::nullopt;
  }
};

using Value = std::optional<int64_t>;  // nullopt: absent (the clause is not evaluated)

Day move_date(int64_t date, const ast::Duration& d, int sign) {
  Day out;
  const int64_t n = d.amount * sign;
  bool ok = false;
  switch (d.unit) {
    case ast::Duration::Unit::Days: ok = add_days(static_cast<Day>(date), n, &out); break;
    case ast::Duration::Unit::Weeks: ok = add_days(static_cast<Day>(date), 7 * n, &out); break;
    case ast::Duration::Unit::Months: ok = add_months(static_cast<Day>(date), n, &out); break;
    case ast::Duration::Unit::Years: ok = add_months(static_cast<Day>(date), 12 * n, &out); break;
    case ast::Duration::Unit::WorkingDays:
      ok = n >= 0 ? working_days_after(static_cast<Day>(date), n, &out)
                  : working_days_before(static_cast<Day>(date), -n, &out);
      break;
  }
  if (!ok) throw OutOfCalendar{};
  return out;
}

Value eval(const Context& c, const Expr& e);

std::optional<std::pair<Day, Day>> window(const Context& c, const ast::Window& w) {
  if (w.kind == ast::Window::Kind::Range) {
    Value low = eval(c, *w.low), high = eval(c, *w.high);
    if (!low || !high) return std::nullopt;
    return std::make_pair(static_cast<Day>(*low), static_cast<Day>(*high));
  }
  Value center = eval(c, *w.center);
  if (!center) return std::nullopt;
  return std::make_pair(move_date(*center, w.around, -1), move_date(*center, w.around, +1));
}

// The same-day combination table, as the agreement states it.
bool allowed_pair(const ast::Agreement& a, const std::string& x, const std::string& y) {
  for (const auto& block : a.same_day)
    for (const auto& pair : block.allowed)
      if ((pair.first.value == x && pair.second.value == y) || (pair.first.value == y && pair.second.value == x))
        return true;
  return false;
}

bool combinable(const Context& c) {
  const auto& services = c.a.services;
  if (services[c.service].supplement) return true;
  const std::string& x = services[c.service].code.value;
  auto accepted_today = [&](const std::string& code) {
    for (const Accepted& e : c.accepted)
      if (e.date == c.date && services[e.service].code.value == code) return true;
    return false;
  };
  for (const Accepted& e : c.accepted) {
    if (e.date != c.date || services[e.service].supplement) continue;
    const std::string& y = services[e.service].code.value;
    if (allowed_pair(c.a, x, y)) continue;
    if (x == y) return false;  // an alias counts a code as another for the others, never for itself
    bool by_alias = false;
    for (const auto& block : c.a.same_day)
      for (const auto& alias : block.aliases)
        if (alias.alias.value == y && accepted_today(alias.condition.value) &&
            allowed_pair(c.a, x, alias.target.value))
          by_alias = true;
    if (!by_alias) return false;
  }
  return true;
}

Value eval(const Context& c, const Expr& e) {
  switch (e.kind) {
    case K::Number:
    case K::DateLiteral: return e.number;
    case K::DurationLiteral: return std::nullopt;  // never evaluated alone: the checker sees to it
    case K::EventDate: return c.date;
    case K::EventClinic: return c.clinic;
    case K::Flagged: return (c.flags >> e.flag_index) & 1;
    case K::Referral:
      if (!c.history.has_referral) return std::nullopt;
      return c.history.referral;
    case K::CourseStart: return c.first_in(c.a.course->starts.resolved);
    case K::CourseEnd: return c.first_in(c.a.course->ends.resolved);
    case K::CourseStarted: return c.first_in(c.a.course->starts.resolved).has_value();
    case K::CourseEnded: return c.first_in(c.a.course->ends.resolved).has_value();
    case K::FirstDate:
    case K::LastDate: {
      Value best;
      for (const Accepted& a : c.accepted)
        if (c.in(e.set.resolved, a.service) &&
            (!best || (e.kind == K::FirstDate ? a.date < *best : a.date > *best)))
          best = a.date;
      return best;
    }
    case K::ClinicOfLast:
      for (auto it = c.accepted.rbegin(); it != c.accepted.rend(); ++it)
        if (c.in(e.set.resolved, it->service)) return it->clinic;
      return std::nullopt;
    case K::Count: {
      Day low = kFirstDay, high = kLastDay;
      uint64_t flag_mask = 0;
      for (const auto& f : e.filters) {
        if (f.kind == ast::CountFilter::Kind::Today) low = high = c.date;
        if (f.kind == ast::CountFilter::Kind::Flagged) flag_mask = uint64_t(1) << f.flag_index;
        if (f.kind == ast::CountFilter::Kind::InWindow) {
          auto w = window(c, *f.window);
          if (!w) return std::nullopt;
          std::tie(low, high) = *w;
        }
      }
      int64_t n = 0;
      for (const Accepted& a : c.accepted)
        n += c.in(e.set.resolved, a.service) && a.date >= low && a.date <= high && (a.flags & flag_mask) == flag_mask;
      return n;
    }
    case K::Combinable: return combinable(c);
    case K::DefineRef: return eval(c, *e.define->body);
    case K::Add:
    case K::Sub: {
      Value l = eval(c, *e.a);
      if (!l) return std::nullopt;
      if (e.type == ast::Type::Date) return move_date(*l, *ast::written_duration(*e.b), e.kind == K::Add ? 1 : -1);
      Value r = eval(c, *e.b);
      if (!r) return std::nullopt;
      return e.kind == K::Add ? *l + *r : *l - *r;
    }
    case K::Otherwise: {
      Value l = eval(c, *e.a);
      return l ? l : eval(c, *e.b);
    }
    case K::If: {
      Value cond = eval(c, *e.a);
      if (!cond) return std::nullopt;
      return *cond ? eval(c, *e.b) : eval(c, *e.c);
    }
    case K::InWindow: {
      Value x = eval(c, *e.a);
      auto w = window(c, *e.window);
      if (!x || !w) return std::nullopt;
      const bool inside = w->first <= *x && *x <= w->second;
      return e.negated ? !inside : inside;
    }
    case K::Compare: {
      Value l = eval(c, *e.a), r = eval(c, *e.b);
      if (!l || !r) return std::nullopt;
      switch (e.op) {
        case ast::CompareOp::Eq: return *l == *r;
        case ast::CompareOp::Ne: return *l != *r;
        case ast::CompareOp::Lt: return *l < *r;
        case ast::CompareOp::Le: return *l <= *r;
        case ast::CompareOp::Gt: return *l > *r;
        case ast::CompareOp::Ge: return *l >= *r;
      }
      return std::nullopt;
    }
    case K::Not: {
      Value v = eval(c, *e.a);
      if (!v) return std::nullopt;
      return !*v;
    }
    case K::And:
    case K::Or: {
      Value l = eval(c, *e.a), r = eval(c, *e.b);
      if (!l || !r) return std::nullopt;
      return e.kind == K::And ? (*l && *r) : (*l || *r);
    }
  }
  return std::nullopt;
}

// A rule is broken when a `require` is false or a `reject if`/`warn if` is true; a `when` that is
// false or absent means the rule does not apply; any other absent clause is not evaluated.
bool broken(const Context& c, const ast::RuleDecl& rule) {
  for (const auto& clause : rule.clauses) {
    Value v = eval(c, *clause.expr);
    switch (clause.kind) {
      case ast::Clause::Kind::When:
        if (!v || !*v) return false;
        break;
      case ast::Clause::Kind::Require:
        if (v && !*v) return true;
        break;
      case ast::Clause::Kind::RejectIf:
      case ast::Clause::Kind::WarnIf:
        if (v && *v) return true;
        break;
    }
  }
  return false;
}

bool applies(const Context& c, const ast::RuleDecl& rule) { return c.in(rule.applies_to.resolved, c.service); }

void evaluate(const ast::Agreement& a, const Program& program, const PreparedHistory& h, std::optional<Day> as_of,
              CourseVerdict* out) {
  Context c{a, program, h, {}};
  const size_t n = h.events.size();
  out->events.assign(n, EventVerdict{});
  std::vector<std::vector<uint32_t>> violations(n);
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return h.events[x].date < h.events[y].date; });

  for (uint32_t i : order) {
    const PreparedEvent& e = h.events[i];
    EventVerdict& v = out->events[i];
    v.service = e.service;
    if (e.service < 0) continue;  // not governed
    c.date = e.date;
    c.service = e.service;
    c.clinic = e.clinic;
    c.flags = e.flags;
    for (uint32_t r = 0; r < a.rules.size(); ++r)
      if (!a.rules[r].warning && applies(c, a.rules[r]) && broken(c, a.rules[r])) violations[i].push_back(r);
    if (!violations[i].empty()) {
      v.status = EventStatus::Rejected;
      continue;
    }
    v.status = EventStatus::Accepted;
    for (uint32_t r = 0; r < a.rules.size(); ++r)
      if (a.rules[r].warning && applies(c, a.rules[r]) && broken(c, a.rules[r])) out->warnings.push_back({r, i});
    if (const auto& fee = a.services[e.service].fee) {
      v.has_fee = true;
      v.fee = {fee->total, fee->subsidy, fee->patient};
      out->totals.total += fee->total;
      out->totals.subsidy += fee->subsidy;
      out->totals.patient += fee->patient;
    }
    c.accepted.push_back({e.date, e.service, e.clinic, e.flags});
  }
  for (uint32_t i = 0; i < n; ++i) {
    out->events[i].first_violation = static_cast<uint32_t>(out->violations.size());
    out->events[i].violation_count = static_cast<uint32_t>(violations[i].size());
    out->violations.insert(out->violations.end(), violations[i].begin(), violations[i].end());
  }

  if (n == 0) return;
  Day last = h.events[0].date;
  for (const auto& e : h.events) last = std::max(last, e.date);
  const Day today = as_of.value_or(last);
  out->evaluation_date = today;
  c.date = today;
  c.service = -1;
  c.clinic = 0;
  c.flags = 0;
  for (uint32_t d = 0; d < a.dues.size(); ++d) {
    const ast::DueDecl& due = a.dues[d];
    if (due.when) {
      Value when = eval(c, *due.when);
      if (!when || !*when) continue;
    }
    Value earliest, target, latest;
    if (due.window) {
      auto w = window(c, *due.window);
      if (!w) continue;
      earliest = w->first;
      latest = w->second;
      target = eval(c, *due.window->center);
    } else {
      // In the order the clauses are written; the first absent value means nothing is due.
      if (!(earliest = eval(c, *due.earliest))) continue;
      if (!(target = eval(c, *due.target))) continue;
      if (due.latest && !(latest = eval(c, *due.latest))) continue;
    }
    if (!earliest || !target) continue;
    if (latest && *latest < *earliest) continue;
    out->due.push_back({d, static_cast<Day>(*earliest), static_cast<Day>(*target), latest.has_value(),
                        static_cast<Day>(latest.value_or(0)), latest && *latest < today});
  }
}

}  // namespace

ReferenceEvaluator::ReferenceEvaluator(std::shared_ptr<const ast::Agreement> checked,
                                       std::shared_ptr<const Agreement> agreement)
    : ast_(std::move(checked)), agreement_(std::move(agreement)), scratch_(std::make_unique<Evaluator::Scratch>()) {}

ReferenceEvaluator::~ReferenceEvaluator() = default;

bool ReferenceEvaluator::evaluate_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of,
                                            std::string* out) {
  const Program& p = agreement_->program();
  std::string error;
  if (read_history_json(*scratch_, p, agreement_->index(), line, &error)) {
    CourseVerdict verdict;
    try {
      evaluate(*ast_, p, scratch_->history, as_of, &verdict);
      append_verdict_json(out, *agreement_, scratch_->history, verdict);
      return true;
    } catch (const OutOfCalendar&) {
      error =
          "a date in this history is so far out that the agreement's date arithmetic leaves the calendar "
          "(0001-01-01 .. 9999-12-31)";
    }
  }
  std::string id;
  const bool has_id = read_history_id(*scratch_, line, &id);
  append_error_json(out, has_id ? &id : nullptr, line_number, error);
  return false;
}

std::unique_ptr<ReferenceEvaluator> load_reference(const std::string& path, std::string* error) {
  SourceFile file;
  if (!read_source_file(path, &file, error)) return nullptr;
  Diagnostics diags;
  Compilation c = compile(file, diags);
  if (diags.has_errors()) {
    *error = diags.render(file);
    return nullptr;
  }
  auto agreement = Agreement::from_program(std::move(*c.program), error);
  if (!agreement) return nullptr;
  return std::make_unique<ReferenceEvaluator>(std::shared_ptr<const ast::Agreement>(std::move(c.ast)), agreement);
}

}  // namespace agr::reference
