// `agr fmt`: lays an agreement out anew from its syntax tree and its comments.
//
// The layout is the manual's. The header's clauses, and each clause of a declaration, stand on
// lines of their own, indented two spaces; an `allow` list or a group's codes wrap at
// kFormatWidth columns, aligned under the first item. Expressions are written with single spaces
// and the author's parentheses (more only where a `not` or an `if` would otherwise read oddly).
// Texts are kept exactly as written. Declarations keep their order; a rule, a due item, a `same
// day` block, and declarations of different kinds have a blank line between them, while one-line
// declarations of one kind (a list of services, of groups) stay together unless the author
// separated them.
//
// Comments are placed by where they stood: a comment after code on its line ends the output line
// that shows that code; a comment on a line of its own goes before the output line that shows
// what followed it, indented as that line. A comment inside an expression that spans lines ends
// the clause's line. Blank lines between top-level comments are kept (one at most).
#include "format.h"

#include <algorithm>

#include "calendar.h"
#include "parse.h"

namespace agr {
namespace {

using ast::Expr;
using K = ast::Expr::Kind;

// How tightly an operator binds (grammar/Agr.g4): lower binds tighter; 0 is a primary.
int precedence(const Expr& e) {
  switch (e.kind) {
    case K::Add:
    case K::Sub: return 1;
    case K::Otherwise: return 2;
    case K::InWindow: return 3;
    case K::IsWorkingDay:
    case K::IsWeekday: return 4;
    case K::InCodes: return 5;
    case K::Compare: return 6;
    case K::Not: return 7;
    case K::And: return 8;
    case K::Or: return 9;
    case K::If: return 10;
    default: return 0;
  }
}

// The days of `is monday .. friday`: runs of three days or more as ranges, others one by one.
std::string weekdays(uint8_t days) {
  static const char* const kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  std::string out;
  for (int d = 0; d < 7;) {
    if (!((days >> d) & 1)) {
      ++d;
      continue;
    }
    int last = d;
    while (last + 1 < 7 && ((days >> (last + 1)) & 1)) ++last;
    auto add = [&](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
    if (last - d >= 2) {
      add(std::string(kDays[d]) + " .. " + kDays[last]);
    } else {
      for (int i = d; i <= last; ++i) add(kDays[i]);
    }
    d = last + 1;
  }
  return out;
}

class Printer {
 public:
  explicit Printer(const SourceFile& file) : file_(file) {}

  std::string slice(Span span) const {
    return std::string(std::string_view(file_.text).substr(span.begin, span.end - span.begin));
  }

  // A text as written: each quoted piece verbatim, one space between pieces.
  std::string text(const ast::Text& t) const {
    std::string out;
    for (const Span& piece : t.pieces) {
      if (!out.empty()) out += ' ';
      out += slice(piece);
    }
    return out;
  }

  std::string duration(const ast::Duration& d) const {
    const bool one = d.amount == 1;
    const char* unit = "";
    switch (d.unit) {
      case ast::Duration::Unit::Days: unit = one ? "day" : "days"; break;
      case ast::Duration::Unit::Weeks: unit = one ? "week" : "weeks"; break;
      case ast::Duration::Unit::Months: unit = one ? "month" : "months"; break;
      case ast::Duration::Unit::Years: unit = one ? "year" : "years"; break;
      case ast::Duration::Unit::WorkingDays: unit = one ? "working day" : "working days"; break;
    }
    return std::to_string(d.amount) + " " + unit;
  }

  static std::string term(const ast::SetTerm& t) { return t.all_services ? "services" : t.name.value; }

  static std::string set(const ast::SetExpr& s) {
    std::string out;
    for (const ast::SetTerm& t : s.include) out += (out.empty() ? "" : ", ") + term(t);
    for (size_t i = 0; i < s.exclude.size(); ++i) out += (i == 0 ? " except " : ", ") + term(s.exclude[i]);
    return out;
  }

  // After `first`, `last` and `clinic of last`: one term bare, more in parentheses.
  static std::string set_operand(const ast::SetExpr& s) {
    if (s.include.size() == 1 && s.exclude.empty()) return term(s.include[0]);
    return "(" + set(s) + ")";
  }

  std::string window(const ast::Window& w) const {
    if (w.kind == ast::Window::Kind::Range) return bound(*w.low) + " .. " + bound(*w.high);
    if (w.kind == ast::Window::Kind::Calendar) {
      static const char* const kPeriods[] = {"week", "month", "year"};
      return std::string("calendar ") + kPeriods[static_cast<int>(w.period)] + " of " + bound(*w.center);
    }
    return bound(*w.center) + " ± " + duration(w.around);
  }

  // A window's bound is a `term`: a primary, or `+` and `-` of primaries.
  std::string bound(const Expr& e) const { return expr(e, precedence(e) > 1); }

  std::string expr(const Expr& e, bool parens = false) const {
    const std::string body = bare(e);
    return parens || e.parenthesized ? "(" + body + ")" : body;
  }

  std::string binary(const Expr& e, const char* op) const {
    const int p = precedence(e);  // left-associative: a right operand of the same level needs parentheses
    return expr(*e.a, precedence(*e.a) > p) + " " + op + " " + expr(*e.b, precedence(*e.b) >= p);
  }

  std::string bare(const Expr& e) const {
    switch (e.kind) {
      case K::Number: return std::to_string(e.number);
      case K::DateLiteral: {
        if (e.number < kFirstDay || e.number > kLastDay) break;
        char buffer[10];
        format_iso_date(static_cast<Day>(e.number), buffer);
        return std::string(buffer, 10);
      }
      case K::DurationLiteral: return duration(e.duration);
      case K::EventDate: return "date";
      case K::CourseStart: return "start";
      case K::CourseEnd: return "end";
      case K::CourseStarted: return "started";
      case K::CourseEnded: return "ended";
      case K::Referral: return "referral";
      case K::EventClinic: return "clinic";
      case K::ClinicOfLast: return "clinic of last " + set_operand(e.set);
      case K::FirstDate: return "first " + set_operand(e.set);
      case K::LastDate: return "last " + set_operand(e.set);
      case K::Flagged: return "flagged " + e.name.value;
      case K::Count: {
        std::string out = "count(" + set(e.set);
        for (const ast::CountFilter& f : e.filters) {
          switch (f.kind) {
            case ast::CountFilter::Kind::Today: out += " today"; break;
            case ast::CountFilter::Kind::InWindow: out += " in " + window(*f.window); break;
            case ast::CountFilter::Kind::Flagged: out += " flagged " + f.flag.value; break;
          }
        }
        return out + ")";
      }
      case K::Combinable: return "combinable today";
      case K::DefineRef: return e.name.value;
      case K::Add: return binary(e, "+");
      case K::Sub: return binary(e, "-");
      case K::Otherwise: return binary(e, "otherwise");
      case K::InWindow:
        return expr(*e.a, precedence(*e.a) >= precedence(e)) + (e.negated ? " not in " : " in ") + window(*e.window);
      case K::Compare: return binary(e, ast::compare_op_text(e.op));
      case K::Not: return "not " + expr(*e.a, precedence(*e.a) > precedence(e));
      case K::And: return binary(e, "and");
      case K::Or: return binary(e, "or");
      case K::If: return "if " + expr(*e.a) + " then " + expr(*e.b) + " else " + expr(*e.c);
      case K::FactRef: return e.name.value;
      case K::BoolLiteral: return e.number ? "true" : "false";
      case K::TextLiteral: return slice(e.span);  // its quotes and escapes as written
      case K::YearsSince: return "years since " + expr(*e.a, precedence(*e.a) > 0);
      case K::IsWorkingDay:
      case K::IsWeekday:
        return expr(*e.a, precedence(*e.a) >= precedence(e)) + (e.negated ? " is not " : " is ") +
               (e.kind == K::IsWorkingDay ? "a working day" : weekdays(e.weekdays));
      case K::InCodes: {
        std::string out = expr(*e.a, precedence(*e.a) >= precedence(e)) + (e.negated ? " not in " : " in ");
        for (size_t i = 0; i < e.patterns.size(); ++i) out += (i ? ", " : "") + slice(e.patterns[i].span);
        return out;
      }
      case K::CallLike: break;  // refused by resolve; kept as written
    }
    // Anything this printer does not know is kept as written.
    return slice(e.span);
  }

 private:
  const SourceFile& file_;
};

// One line of the output, and what it shows of the source.
struct Line {
  size_t indent = 0;
  std::string text;  // a text written over several lines keeps its line breaks
  uint32_t begin = 0, end = 0;  // where what it shows stands in the source: comments are placed by it
  size_t decl = 0;
  std::vector<Span> leading;   // comments on lines of their own before it
  std::vector<Span> trailing;  // comments at its end
};

struct Decl {
  enum class Kind { Header, Flag, Fact, Service, PriceLevel, BeforeFirstLevel, Group, Define, Course, SameDay, Rule, Due };
  Kind kind;
  Span span;
  const void* node;
  size_t first_line = 0;

  // A declaration with clauses on lines of their own stands apart.
  bool block() const {
    return kind == Kind::Header || kind == Kind::PriceLevel || kind == Kind::SameDay || kind == Kind::Rule ||
           kind == Kind::Due;
  }
};

class Formatter {
 public:
  Formatter(const ast::Agreement& a, const SourceFile& file) : a_(a), file_(file), p_(file) {}

  std::string run() {
    collect_declarations();
    for (size_t i = 0; i < decls_.size(); ++i) {
      decls_[i].first_line = lines_.size();
      current_ = i;
      emit(decls_[i]);
    }
    place_comments();
    return render();
  }

 private:
  void collect_declarations() {
    using Kind = Decl::Kind;
    decls_.push_back({Kind::Header, a_.header.span, &a_.header});
    std::vector<Decl> rest;
    for (const auto& f : a_.flags) rest.push_back({Kind::Flag, f.span, &f});
    for (const auto& f : a_.facts) rest.push_back({Kind::Fact, f.span, &f});
    for (const auto& s : a_.services) rest.push_back({Kind::Service, s.span, &s});
    for (const auto& l : a_.price_levels) rest.push_back({Kind::PriceLevel, l.span, &l});
    if (a_.before_first_level)
      rest.push_back({Kind::BeforeFirstLevel, a_.before_first_level->span, &*a_.before_first_level});
    for (const auto& g : a_.groups) rest.push_back({Kind::Group, g.span, &g});
    for (const auto& d : a_.defines) rest.push_back({Kind::Define, d->span, d.get()});
    if (a_.course) rest.push_back({Kind::Course, a_.course->span, &*a_.course});
    for (const auto& s : a_.same_day) rest.push_back({Kind::SameDay, s.span, &s});
    for (const auto& r : a_.rules) rest.push_back({Kind::Rule, r.span, &r});
    for (const auto& d : a_.dues) rest.push_back({Kind::Due, d.span, &d});
    std::stable_sort(rest.begin(), rest.end(), [](const Decl& x, const Decl& y) { return x.span.begin < y.span.begin; });
    decls_.insert(decls_.end(), rest.begin(), rest.end());
  }

  void line(size_t indent, std::string text, Span shown) {
    Line l;
    l.indent = indent;
    l.text = std::move(text);
    l.begin = shown.begin;
    l.end = shown.end;
    l.decl = current_;
    lines_.push_back(std::move(l));
  }

  // `prefix item, item, ...`, wrapped at kFormatWidth with the items aligned under the first.
  void list(size_t indent, const std::string& prefix, const std::vector<std::pair<std::string, Span>>& items) {
    const size_t continuation = indent + prefix.size();
    std::string text = prefix;
    Span shown = items.empty() ? Span{} : items[0].second;
    size_t width = continuation;
    size_t line_indent = indent;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string& item = items[i].first;
      const size_t needed = item.size() + (i + 1 < items.size() ? 1 : 0);  // its comma
      if (i > 0 && width + 1 + needed > kFormatWidth) {
        line(line_indent, text, shown);
        text.clear();
        shown = items[i].second;
        line_indent = continuation;
        width = continuation;
      } else if (i > 0) {
        text += ' ';
        ++width;
      }
      text += item;
      if (i + 1 < items.size()) text += ',';
      width += needed;
      shown.end = items[i].second.end;
    }
    line(line_indent, text, shown);
  }

  void emit(const Decl& d) {
    using Kind = Decl::Kind;
    switch (d.kind) {
      case Kind::Header: {
        const ast::Header& h = a_.header;
        line(0, "agreement " + h.name.value + " " + p_.text(h.title), {h.span.begin, h.title.span.end});
        for (const ast::Text& s : h.sources) line(2, "source " + p_.text(s), s.span);
        if (h.referral_required) line(2, "referral required", h.referral_required_span);
        break;
      }
      case Kind::Flag: {
        const auto& f = *static_cast<const ast::FlagDecl*>(d.node);
        line(0, "flag " + f.name.value + (f.description.pieces.empty() ? "" : " " + p_.text(f.description)), f.span);
        break;
      }
      case Kind::Fact: {
        const auto& f = *static_cast<const ast::FactDecl*>(d.node);
        line(0,
             "fact " + f.name.value + " " + fact_type_name(f.type) + (f.required ? " required" : "") +
                 (f.description.pieces.empty() ? "" : " " + p_.text(f.description)),
             f.span);
        break;
      }
      case Kind::Service: {
        const auto& s = *static_cast<const ast::ServiceDecl*>(d.node);
        line(0, std::string(s.supplement ? "supplement " : "service ") + s.code.value + " " + p_.text(s.title),
             {s.span.begin, s.title.span.end});
        break;
      }
      case Kind::PriceLevel: price_level(*static_cast<const ast::PriceLevelDecl*>(d.node)); break;
      case Kind::BeforeFirstLevel: {
        const auto& b = *static_cast<const ast::BeforeFirstLevelDecl*>(d.node);
        line(0, "before first price level " + (b.no_fee ? std::string("no fee") : "reject by " + b.rule.value), b.span);
        break;
      }
      case Kind::Group: {
        const auto& g = *static_cast<const ast::GroupDecl*>(d.node);
        std::vector<std::pair<std::string, Span>> codes;
        for (const ast::Name& c : g.codes) codes.emplace_back(c.value, c.span);
        list(0, "group " + g.name.value + " = ", codes);
        lines_[d.first_line].begin = g.span.begin;  // the line shows `group NAME =` too
        break;
      }
      case Kind::Define: {
        const auto& def = *static_cast<const ast::DefineDecl*>(d.node);
        line(0, "define " + def.name.value + " = " + p_.expr(*def.body), def.span);
        break;
      }
      case Kind::Course: {
        const auto& c = *static_cast<const ast::CourseDecl*>(d.node);
        line(0, "course starts with " + Printer::set(c.starts) + " ends with " + Printer::set(c.ends), c.span);
        break;
      }
      case Kind::SameDay: {
        const auto& s = *static_cast<const ast::SameDayDecl*>(d.node);
        line(0, "same day", {s.span.begin, s.span.begin});
        if (!s.allowed.empty()) {
          std::vector<std::pair<std::string, Span>> pairs;
          for (const ast::CodePair& pair : s.allowed)
            pairs.emplace_back(pair.first.value + " + " + pair.second.value, Span{pair.first.span.begin, pair.second.span.end});
          list(2, "allow ", pairs);
        }
        for (const ast::SameDayAlias& alias : s.aliases)
          line(2, "count " + alias.alias.value + " as " + alias.target.value + " on a day with " + alias.condition.value,
               alias.span);
        break;
      }
      case Kind::Rule: {
        const auto& r = *static_cast<const ast::RuleDecl*>(d.node);
        line(0, std::string(r.warning ? "warning " : "rule ") + r.id.value + " for " + Printer::set(r.applies_to),
             {r.span.begin, r.applies_to.span.end});
        for (const ast::Clause& c : r.clauses) {
          const char* keyword = c.kind == ast::Clause::Kind::When       ? "when "
                                : c.kind == ast::Clause::Kind::Require  ? "require "
                                : c.kind == ast::Clause::Kind::RejectIf ? "reject if "
                                                                        : "warn if ";
          line(2, keyword + p_.expr(*c.expr), c.span);
        }
        texts(r.message, r.source);
        break;
      }
      case Kind::Due: {
        const auto& due = *static_cast<const ast::DueDecl*>(d.node);
        line(0, "due " + due.rule_id.value + " " + due.code.value, {due.span.begin, due.code.span.end});
        if (due.when) line(2, "when " + p_.expr(*due.when), due.when->span);
        if (due.earliest) line(2, "earliest " + p_.expr(*due.earliest), due.earliest->span);
        if (due.target) line(2, "target " + p_.expr(*due.target), due.target->span);
        if (due.latest) line(2, "latest " + p_.expr(*due.latest), due.latest->span);
        if (due.window) line(2, "window " + p_.window(*due.window), due.window->span);
        texts(due.message, due.source);
        break;
      }
    }
  }

  void texts(const ast::Text& message, const ast::Text& source) {
    if (message.present()) line(2, "message " + p_.text(message), message.span);
    if (source.present()) line(2, "source " + p_.text(source), source.span);
  }

  // `price level DATE "TITLE"` and one line per fee, each amount right-aligned in its column.
  void price_level(const ast::PriceLevelDecl& level) {
    char buffer[10];
    format_iso_date(static_cast<Day>(level.from), buffer);
    line(0, "price level " + std::string(buffer, 10) + (level.title.pieces.empty() ? "" : " " + p_.text(level.title)),
         {level.span.begin, level.title.pieces.empty() ? level.date_span.end : level.title.span.end});
    size_t width[3] = {0, 0, 0};
    for (const ast::FeeLine& fee : level.fees) {
      width[0] = std::max(width[0], money(fee.split.total).size());
      width[1] = std::max(width[1], money(fee.split.subsidy).size());
      width[2] = std::max(width[2], money(fee.split.patient).size());
    }
    auto column = [](int64_t ore, size_t w) {
      const std::string text = money(ore);
      return std::string(w - text.size(), ' ') + text;
    };
    for (const ast::FeeLine& fee : level.fees)
      line(2,
           fee.code.value + (fee.variant() ? " flagged " + fee.flag.value : "") + " fee " +
               column(fee.split.total, width[0]) + " subsidy " + column(fee.split.subsidy, width[1]) + " patient " +
               column(fee.split.patient, width[2]),
           fee.span);
  }

  static std::string money(int64_t ore) {
    std::string cents = std::to_string(ore % 100);
    return std::to_string(ore / 100) + "." + (cents.size() < 2 ? "0" : "") + cents;
  }

  // ---- comments ------------------------------------------------------------------------------

  // Whether code stands before `offset` on its line.
  bool after_code(uint32_t offset) const {
    for (uint32_t i = offset; i > 0; --i) {
      const char ch = file_.text[i - 1];
      if (ch == '\n') return false;
      if (ch != ' ' && ch != '\t' && ch != '\r') return true;
    }
    return false;
  }

  // The declaration whose text holds `offset`, or npos.
  size_t declaration_at(uint32_t offset) const {
    for (size_t i = 0; i < decls_.size(); ++i)
      if (decls_[i].span.begin <= offset && offset < decls_[i].span.end) return i;
    return std::string::npos;
  }

  void place_comments() {
    std::vector<size_t> by_begin(lines_.size());
    for (size_t i = 0; i < by_begin.size(); ++i) by_begin[i] = i;
    std::stable_sort(by_begin.begin(), by_begin.end(), [&](size_t x, size_t y) { return lines_[x].begin < lines_[y].begin; });
    // The last line (by source position) that starts at or before `offset`, and the first after.
    auto at_or_before = [&](uint32_t offset) -> Line* {
      auto it = std::upper_bound(by_begin.begin(), by_begin.end(), offset,
                                 [&](uint32_t o, size_t line) { return o < lines_[line].begin; });
      return it == by_begin.begin() ? nullptr : &lines_[*(it - 1)];
    };
    auto after = [&](uint32_t offset) -> Line* {
      auto it = std::upper_bound(by_begin.begin(), by_begin.end(), offset,
                                 [&](uint32_t o, size_t line) { return o < lines_[line].begin; });
      return it == by_begin.end() ? nullptr : &lines_[*it];
    };
    for (const Span& comment : a_.comments) {
      Line* before = at_or_before(comment.begin);
      Line* next = after(comment.begin);
      const size_t owner = declaration_at(comment.begin);
      // After code on its line, inside what a line shows (an expression over several lines), or
      // after the last line of its declaration that starts before it: it ends that line.
      const bool inside = before && comment.begin < before->end;
      if (before && (after_code(comment.begin) || inside || (owner != std::string::npos && (!next || next->decl != owner)))) {
        before->trailing.push_back(comment);
      } else if (next) {
        next->leading.push_back(comment);
      } else {
        end_.push_back(comment);
      }
    }
  }

  std::string comment(Span span) const {
    std::string text = p_.slice(span);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.pop_back();
    return text;
  }

  // Whether the source between two offsets holds an empty line.
  bool blank_between(uint32_t from, uint32_t to) const {
    bool line_empty = false;  // since the last line break, only spaces
    for (uint32_t i = from; i < to && i < file_.text.size(); ++i) {
      const char ch = file_.text[i];
      if (ch == '\n') {
        if (line_empty) return true;
        line_empty = true;
      } else if (ch != ' ' && ch != '\t' && ch != '\r') {
        line_empty = false;
      }
    }
    return false;
  }

  // Top-level comments before a declaration (or the end), with the blank lines the author left
  // between them; `separate` asks for one blank line in any case.
  // At the start of the file (`from` is 0) nothing is blank before the first comment.
  void top_level(std::string& out, uint32_t from, const std::vector<Span>& comments, uint32_t to, bool separate) {
    std::vector<bool> blank_before;
    uint32_t position = from;
    bool any = false;
    for (const Span& c : comments) {
      blank_before.push_back(position > 0 && blank_between(position, c.begin));
      any = any || blank_before.back();
      position = c.end;
    }
    const bool blank_last = position > 0 && blank_between(position, to);
    any = any || blank_last;
    if (separate && !any) {
      if (blank_before.empty())
        out += '\n';
      else
        blank_before[0] = true;
    }
    for (size_t i = 0; i < comments.size(); ++i) {
      if (blank_before[i]) out += '\n';
      out += comment(comments[i]) + "\n";
    }
    if (blank_last) out += '\n';
  }

  std::string render() {
    std::string out;
    for (size_t i = 0; i < lines_.size(); ++i) {
      const Line& l = lines_[i];
      const Decl& d = decls_[l.decl];
      if (i == d.first_line) {
        const Decl* previous = l.decl > 0 ? &decls_[l.decl - 1] : nullptr;
        const bool separate = previous && (previous->kind != d.kind || previous->block() || d.block());
        top_level(out, previous ? previous->span.end : 0, l.leading, d.span.begin, separate);
      } else {
        for (const Span& c : l.leading) out += std::string(l.indent, ' ') + comment(c) + "\n";
      }
      out += std::string(l.indent, ' ') + l.text;
      for (size_t k = 0; k < l.trailing.size(); ++k) out += (k == 0 ? "  " : " ") + comment(l.trailing[k]);
      out += '\n';
    }
    if (!end_.empty()) top_level(out, decls_.back().span.end, end_, static_cast<uint32_t>(file_.text.size()), false);
    // A blank line at the very end says nothing.
    while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
    return out;
  }

  const ast::Agreement& a_;
  const SourceFile& file_;
  Printer p_;
  std::vector<Decl> decls_;
  std::vector<Line> lines_;
  std::vector<Span> end_;  // comments after the last declaration
  size_t current_ = 0;
};

}  // namespace

std::string format_agreement(const ast::Agreement& agreement, const SourceFile& file) {
  return Formatter(agreement, file).run();
}

namespace {

// What the comments say, whatever their layout: their bytes other than blanks, summed and counted.
std::pair<uint64_t, uint64_t> comment_content(const ast::Agreement& agreement, const std::string& text) {
  uint64_t sum = 0, count = 0;
  for (const Span& c : agreement.comments) {
    for (uint32_t i = c.begin; i < c.end; ++i) {
      const unsigned char ch = static_cast<unsigned char>(text[i]);
      if (ch == ' ' || ch == '\t' || ch == '\r') continue;
      sum += ch;
      ++count;
    }
  }
  return {sum, count};
}

}  // namespace

bool format_source(const SourceFile& file, Diagnostics& diags, std::string* out) {
  const auto agreement = parse_agreement(file, diags);
  if (!agreement) return false;
  *out = format_agreement(*agreement, file);
  // The layout must never change what the file says: parse the result and compare.
  const SourceFile again{file.path, *out};
  Diagnostics ignored;
  const auto reparsed = parse_agreement(again, ignored);
  if (!reparsed || ast::print(*reparsed) != ast::print(*agreement) ||
      comment_content(*reparsed, again.text) != comment_content(*agreement, file.text)) {
    diags.error({0, 0}, "internal error: the new layout would change what the file says, so it is left as it is",
                "please report this with the file");
    return false;
  }
  return true;
}

}  // namespace agr
