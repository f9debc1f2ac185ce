// Pass 2, resolve: every code, group, flag and define name is looked up; unknown names get a
// "did you mean ...?" hint; each set expression becomes a sorted set of service indexes.
#include <algorithm>
#include <map>
#include <set>

#include "limits_table.h"
#include "passes.h"

namespace agr {
namespace {

class Resolver {
 public:
  Resolver(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags)
      : a_(agreement), file_(file), diags_(diags) {}

  void run() {
    declare_flags();
    declare_services();
    resolve_price_levels();
    declare_groups();
    declare_defines();
    declare_facts();
    if (a_.course) {
      set(a_.course->starts);
      set(a_.course->ends);
    }
    for (auto& same_day : a_.same_day) {
      for (auto& pair : same_day.allowed) {
        service(pair.first);
        service(pair.second);
      }
      for (auto& alias : same_day.aliases) {
        service(alias.alias);
        service(alias.target);
        service(alias.condition);
      }
    }
    for (auto& define : a_.defines) expr(*define->body);
    // One spec rule may be written as several rules with one id (STE-2 says one thing of 0251 and
    // another of 0252), as long as no code is judged by two of them: an event names a rule once.
    std::map<std::string, std::vector<const ast::RuleDecl*>> rule_ids;
    for (auto& rule : a_.rules) {
      set(rule.applies_to);
      for (auto& clause : rule.clauses) expr(*clause.expr);
      rule_ids[rule.id.value].push_back(&rule);
    }
    // Per id, which rule judges each code so far: linear in the sets (comparing every pair of
    // rules with one id, code by code, made a few thousand rules run for minutes).
    std::vector<const ast::RuleDecl*> judged_by(a_.services.size(), nullptr);
    std::vector<int> touched;
    for (const auto& [id, parts] : rule_ids) {
      if (parts.size() < 2) continue;
      for (const ast::RuleDecl* rule : parts) {
        if (rule->applies_to.resolved < 0) continue;
        const auto& mine = a_.sets[rule->applies_to.resolved];
        auto clash = std::find_if(mine.begin(), mine.end(), [&](int service) { return judged_by[service] != nullptr; });
        if (clash != mine.end()) {
          diags_.error(rule->id.span,
                       id + " is already declared for " + a_.services[*clash].code.value + " at line " +
                           std::to_string(line(judged_by[*clash]->id.span)),
                       "rules with one id must judge different codes; give this rule its own id");
          continue;
        }
        for (int service : mine) {
          judged_by[service] = rule;
          touched.push_back(service);
        }
      }
      for (int service : touched) judged_by[service] = nullptr;
      touched.clear();
    }
    for (auto& due : a_.dues) {
      service(due.code);
      for (ast::Expr* e : {due.when.get(), due.earliest.get(), due.target.get(), due.latest.get()})
        if (e) expr(*e);
      if (due.window) window(*due.window);
    }
  }

 private:
  void declare_flags() {
    for (size_t i = 0; i < a_.flags.size(); ++i) {
      const auto& flag = a_.flags[i];
      if (!flags_.emplace(flag.name.value, static_cast<int>(i)).second)
        diags_.error(flag.name.span, "flag '" + flag.name.value + "' is declared twice");
    }
    if (a_.flags.size() > kMaxFlags)
      diags_.error(a_.flags[kMaxFlags].name.span, "an agreement may declare at most " + std::to_string(kMaxFlags) + " flags");
  }

  void declare_services() {
    for (size_t i = 0; i < a_.services.size(); ++i) {
      const auto& s = a_.services[i];
      if (!services_.emplace(s.code.value, static_cast<int>(i)).second)
        diags_.error(s.code.span, "service " + s.code.value + " is declared twice");
    }
    if (a_.services.size() > kMaxServices)
      diags_.error(a_.services[kMaxServices].code.span,
                   "an agreement may declare at most " + std::to_string(kMaxServices) + " services");
  }

  // Each fee line names a declared service (and flag), and its split adds up, in every level.
  void resolve_price_levels() {
    for (auto& level : a_.price_levels) {
      for (auto& fee : level.fees) {
        fee.service = service(fee.code);
        if (fee.variant()) fee.flag_index = flag(fee.flag);
        const std::string what = "the fee of " + fee.code.value + (fee.variant() ? " flagged " + fee.flag.value : "");
        const ast::FeeSplit& f = fee.split;
        if (std::max({f.total, f.subsidy, f.patient}) > kMaxFeeOre)
          diags_.error(f.span, what + " is too large (at most " + money(kMaxFeeOre) + ")");
        else if (f.subsidy + f.patient != f.total)
          diags_.error(f.span,
                       what + " does not add up: subsidy + patient share is " + money(f.subsidy + f.patient) +
                           ", not " + money(f.total),
                       "the fee must equal the subsidy plus the patient's share");
      }
    }
  }

  static std::string money(int64_t ore) {
    std::string cents = std::to_string(ore % 100);
    return std::to_string(ore / 100) + "." + (cents.size() < 2 ? "0" : "") + cents;
  }

  void declare_groups() {
    std::map<std::string, const ast::GroupDecl*> all;  // every group, to tell "declared below" from unknown
    for (const auto& group : a_.groups) all.emplace(group.name.value, &group);
    for (const auto& group : a_.groups) {
      if (services_.count(group.name.value)) {
        diags_.error(group.name.span, "group '" + group.name.value + "' has the name of a service");
        continue;
      }
      std::vector<int> members;
      for (const auto& code : group.codes) {
        if (auto it = groups_.find(code.value); it != groups_.end()) {
          members.insert(members.end(), it->second.begin(), it->second.end());
        } else if (auto later = all.find(code.value); later != all.end() && !services_.count(code.value)) {
          diags_.error(code.span,
                       "group '" + code.value + "' is declared below, at line " +
                           std::to_string(line(later->second->name.span)) +
                           "; a group may only name groups declared above it",
                       "move the declaration of '" + code.value + "' above this one");
        } else {
          int s = service(code);
          if (s >= 0) members.push_back(s);
        }
      }
      std::sort(members.begin(), members.end());
      members.erase(std::unique(members.begin(), members.end()), members.end());
      if (!groups_.emplace(group.name.value, members).second)
        diags_.error(group.name.span, "group '" + group.name.value + "' is declared twice");
    }
  }

  void declare_defines() {
    for (auto& define : a_.defines) {
      if (services_.count(define->name.value) || groups_.count(define->name.value) || flags_.count(define->name.value))
        diags_.error(define->name.span, "'" + define->name.value + "' is already the name of a service, group or flag");
      if (!defines_.emplace(define->name.value, define.get()).second)
        diags_.error(define->name.span, "'" + define->name.value + "' is defined twice");
    }
  }

  void declare_facts() {
    for (size_t i = 0; i < a_.facts.size(); ++i) {
      const auto& fact = a_.facts[i];
      const std::string& n = fact.name.value;
      if (services_.count(n) || groups_.count(n) || flags_.count(n) || defines_.count(n))
        diags_.error(fact.name.span, "'" + n + "' is already the name of a service, group, flag or definition");
      else if (!facts_.emplace(n, static_cast<int>(i)).second)
        diags_.error(fact.name.span, "fact '" + n + "' is declared twice");
    }
    if (a_.facts.size() > kMaxFacts)
      diags_.error(a_.facts[kMaxFacts].name.span, "an agreement may declare at most " + std::to_string(kMaxFacts) + " facts");
  }

  std::vector<std::string> service_and_group_names() const {
    std::vector<std::string> names;
    for (const auto& [name, _] : services_) names.push_back(name);
    for (const auto& [name, _] : groups_) names.push_back(name);
    return names;
  }

  static std::string hint_for(const std::string& suggestion) {
    return suggestion.empty() ? std::string() : "did you mean '" + suggestion + "'?";
  }

  int service(const ast::Name& code) {
    if (auto it = services_.find(code.value); it != services_.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& [name, _] : services_) names.push_back(name);
    diags_.error(code.span, "unknown service code '" + code.value + "'", hint_for(closest_match(code.value, names)));
    return -1;
  }

  int flag(const ast::Name& name) {
    if (auto it = flags_.find(name.value); it != flags_.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& [n, _] : flags_) names.push_back(n);
    std::string hint = hint_for(closest_match(name.value, names));
    if (hint.empty()) hint = "declare it with `flag " + name.value + " \"...\"`";
    diags_.error(name.span, "unknown flag '" + name.value + "'", hint);
    return -1;
  }

  void set(ast::SetExpr& s) {
    std::set<int> members;
    auto add_term = [&](const ast::SetTerm& term, std::set<int>& into) {
      if (term.all_services) {
        for (size_t i = 0; i < a_.services.size(); ++i) into.insert(static_cast<int>(i));
        return;
      }
      if (auto it = groups_.find(term.name.value); it != groups_.end()) {
        into.insert(it->second.begin(), it->second.end());
        return;
      }
      if (auto it = services_.find(term.name.value); it != services_.end()) {
        into.insert(it->second);
        return;
      }
      diags_.error(term.name.span, "unknown service code or group '" + term.name.value + "'",
                   hint_for(closest_match(term.name.value, service_and_group_names())));
    };
    for (const auto& term : s.include) add_term(term, members);
    std::set<int> excluded;
    for (const auto& term : s.exclude) add_term(term, excluded);
    std::vector<int> result;
    for (int m : members)
      if (!excluded.count(m)) result.push_back(m);
    // One entry per distinct set, so the bytecode's set table stays small (found by a map: a
    // linear search made many distinct sets quadratic).
    if (auto it = set_index_.find(result); it != set_index_.end()) {
      s.resolved = it->second;
      return;
    }
    if (!new_set_fits(result.size(), s.span)) return;  // s.resolved stays -1; the error is reported
    set_members_ += result.size();
    s.resolved = static_cast<int>(a_.sets.size());
    set_index_.emplace(result, s.resolved);
    a_.sets.push_back(std::move(result));
  }

  // The limits of limits_table.h on the set table, reported (once) at the set that crosses one.
  bool new_set_fits(size_t members, Span span) {
    if (sets_over_limit_) return false;
    const size_t sets = a_.sets.size() + 1;
    std::string over;
    if (sets > kMaxSets) {
      over = "the agreement uses more than " + std::to_string(kMaxSets) + " different sets of codes";
    } else if (set_members_ + members > kMaxSetMembers) {
      over = "the agreement's different sets of codes hold more than " + std::to_string(kMaxSetMembers) +
             " codes in all";
    } else if (sets * ((a_.services.size() + 63) / 64) > kMaxSetBitmapWords) {
      over = "the agreement uses " + std::to_string(sets) + " different sets of " + std::to_string(a_.services.size()) +
             " codes: more than the limit of " + std::to_string(kMaxSetBitmapWords * 64) + " set-code bits";
    }
    if (over.empty()) return true;
    sets_over_limit_ = true;
    diags_.error(span, over + " (reached here)",
                 "name a set once, as a group, and use the group: each different set of codes is stored");
    return false;
  }

  void window(ast::Window& w) {
    for (ast::Expr* e : {w.low.get(), w.high.get(), w.center.get()})
      if (e) expr(*e);
  }

  void expr(ast::Expr& e) {
    using K = ast::Expr::Kind;
    switch (e.kind) {
      case K::Flagged: e.flag_index = flag(e.name); break;
      case K::Count:
        set(e.set);
        for (auto& filter : e.filters) {
          if (filter.kind == ast::CountFilter::Kind::Flagged) filter.flag_index = flag(filter.flag);
          if (filter.window) window(*filter.window);
        }
        break;
      case K::FirstDate:
      case K::LastDate:
      case K::ClinicOfLast: set(e.set); break;
      case K::CallLike: unknown_call(e); break;
      case K::DefineRef: {
        if (auto it = defines_.find(e.name.value); it != defines_.end()) {
          e.define = it->second;
        } else if (auto fact = facts_.find(e.name.value); fact != facts_.end()) {
          e.kind = K::FactRef;
          e.fact_index = fact->second;
        } else {
          std::vector<std::string> names;
          for (const auto& [n, _] : defines_) names.push_back(n);
          for (const auto& [n, _] : facts_) names.push_back(n);
          std::string message = "unknown name '" + e.name.value + "'";
          if (services_.count(e.name.value) || groups_.count(e.name.value))
            message += ": a service or group is not a value here; did you mean count(" + e.name.value + ")?";
          std::string hint = hint_for(closest_match(e.name.value, names));
          // The specification's letters for the course's dates.
          if (e.name.value == "S") hint = "the spec's S, the course's start, is written `start`";
          if (e.name.value == "F") hint = "the spec's F, the course's end, is written `end`";
          if (e.name.value == "R") hint = "the spec's R, the referral date, is written `referral`";
          diags_.error(e.name.span, message, hint);
        }
        break;
      }
      default: break;
    }
    for (ast::Expr* child : {e.a.get(), e.b.get(), e.c.get()})
      if (child) expr(*child);
    if (e.window) window(*e.window);
  }

  // `weekday(date)`: only `count(...)` takes parentheses. Say what there is: a close name, the
  // way the language writes what such a function would do, and the names this agreement has.
  void unknown_call(const ast::Expr& e) {
    static const std::vector<std::pair<std::string, std::string>> kIdioms = {
        {"weekday", "for the day of the week, write `date is monday .. friday`"},
        {"day_of_week", "for the day of the week, write `date is monday .. friday`"},
        {"is_weekday", "for the day of the week, write `date is monday .. friday`"},
        {"working_day", "write `date is a working day`"},
        {"is_working_day", "write `date is a working day`"},
        {"workday", "write `date is a working day`"},
        {"holiday", "write `date is not a working day`"},
        {"age", "for an age, write `years since birth_date` (a fact of type date)"},
        {"years", "write `years since DATE`"},
        {"week", "for the calendar week, write `count(SET in calendar week of date)`"},
        {"month", "for the calendar month, write `count(SET in calendar month of date)`"},
        {"year", "for the calendar year, write `count(SET in calendar year of date)`"},
        {"starts_with", "for a code's prefix, write `FACT in DM16*, DM17*`"},
        {"prefix", "for a code's prefix, write `FACT in DM16*, DM17*`"},
        {"max", "compare the two values instead, or choose with `if ... then ... else ...`"},
        {"min", "compare the two values instead, or choose with `if ... then ... else ...`"},
    };
    const std::string& name = e.name.value;
    if (defines_.count(name) || facts_.count(name)) {
      diags_.error(e.name.span, "'" + name + "' is a " + (defines_.count(name) ? "definition" : "fact") +
                                    ", and takes nothing in parentheses",
                   "write `" + name + "` alone");
      return;
    }
    std::string hint;
    for (const auto& [idiom, how] : kIdioms)
      if (idiom == name) hint = how;
    std::vector<std::string> names = {"count"};
    for (const auto& [n, _] : defines_) names.push_back(n);
    for (const auto& [n, _] : facts_) names.push_back(n);
    if (hint.empty()) {
      const std::string near = closest_match(name, names);
      if (!near.empty()) hint = "did you mean '" + near + "'?";
    }
    std::string available = "only `count(...)` takes parentheses";
    if (names.size() > 1) {
      available += ", and this agreement's definitions and facts are ";
      for (size_t i = 1; i < names.size(); ++i) available += (i > 1 ? ", " : "") + names[i];
    }
    if (!hint.empty() && hint.back() == '?') available[0] = 'O';  // a new sentence
    diags_.error(e.name.span, "unknown name '" + name + "'",
                 hint.empty() ? available : hint + (hint.back() == '?' ? " " : "; ") + available);
  }

  uint32_t line(Span span) const { return file_.line_of(span.begin); }

  ast::Agreement& a_;
  const SourceFile& file_;
  Diagnostics& diags_;
  std::map<std::string, int> services_, flags_, facts_;
  std::map<std::string, std::vector<int>> groups_;
  std::map<std::string, ast::DefineDecl*> defines_;
  std::map<std::vector<int>, int> set_index_;  // a set's members -> its index in a_.sets
  size_t set_members_ = 0;                      // in all of a_.sets
  bool sets_over_limit_ = false;
};

}  // namespace

void resolve(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags) {
  Resolver(agreement, file, diags).run();
}

}  // namespace agr
