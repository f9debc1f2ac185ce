// `agr test --coverage`: coverage.h.
#include "coverage.h"

#include <fmt/core.h>

#include <algorithm>

#include "verdict_writer.h"  // append_json_string

namespace agr::cli {
namespace {

size_t outcome(const std::array<size_t, 5>& counts, ClauseOutcome o) { return counts[static_cast<size_t>(o)]; }

// The sides of a clause: what it can do, each of which a suite should make it do once.
std::vector<CoverageSide> sides_of(ClauseInfo::Kind kind, const std::array<size_t, 5>& n) {
  const size_t held = outcome(n, ClauseOutcome::Held), failed = outcome(n, ClauseOutcome::Failed),
               not_applied = outcome(n, ClauseOutcome::NotApplied);
  switch (kind) {
    case ClauseInfo::Kind::When:
    case ClauseInfo::Kind::DueWhen: return {{"applies", held}, {"does not apply", not_applied}};
    case ClauseInfo::Kind::Require: return {{"holds", held}, {"fails", failed}};
    case ClauseInfo::Kind::RejectIf: return {{"lets pass", held}, {"rejects", failed}};
    case ClauseInfo::Kind::WarnIf: return {{"stays quiet", held}, {"warns", failed}};
    case ClauseInfo::Kind::Earliest:
    case ClauseInfo::Kind::Target:
    case ClauseInfo::Kind::Latest:
    case ClauseInfo::Kind::Window: return {{"computed", held}};
  }
  return {};
}

// What a `when`, `require`, `reject if` or `warn if` clause tests, as written; "" for a due item's
// dates.
std::string_view condition_of(const ClauseInfo& clause) {
  std::string_view text = clause.text;
  for (std::string_view keyword : {"when ", "require ", "reject if ", "warn if "})
    if (text.starts_with(keyword)) return text.substr(keyword.size());
  return {};
}

}  // namespace

CoverageTally::CoverageTally(std::shared_ptr<const Agreement> agreement)
    : agreement_(std::move(agreement)), watcher_(agreement_->program()) {
  const Program& p = agreement_->program();
  functions_.resize(p.functions.size());
  for (size_t f = 0; f < p.debug.size(); ++f) {
    functions_[f].clauses.assign(p.debug[f].clauses.size(), {});
    functions_[f].values.assign(p.debug[f].values.size(), {});
  }
  watcher_.on_run = [this](const FunctionRun& run) { count(run); };
}

void CoverageTally::count(const FunctionRun& run) {
  FunctionCounts& f = functions_[run.function];
  ++f.runs;
  if (run.result == RunResult::Due) ++f.due;
  for (size_t c = 0; c < run.clauses.size() && c < f.clauses.size(); ++c)
    ++f.clauses[c][static_cast<size_t>(run.clauses[c])];
  const FunctionDebug& debug = agreement_->program().debug[run.function];
  for (const auto& [index, value] : run.values)
    if (debug.values[index].limit) ++f.values[index][value != 0];
}

void CoverageTally::add(const CoverageTally& other) {
  for (size_t f = 0; f < functions_.size(); ++f) {
    FunctionCounts& sum = functions_[f];
    const FunctionCounts& part = other.functions_[f];
    sum.runs += part.runs;
    sum.due += part.due;
    for (size_t c = 0; c < sum.clauses.size(); ++c)
      for (size_t o = 0; o < sum.clauses[c].size(); ++o) sum.clauses[c][o] += part.clauses[c][o];
    for (size_t v = 0; v < sum.values.size(); ++v)
      for (size_t b = 0; b < sum.values[v].size(); ++b) sum.values[v][b] += part.values[v][b];
  }
}

std::vector<CoverageEntry> CoverageTally::entries() const {
  const Program& p = agreement_->program();
  std::vector<CoverageEntry> out;
  auto clauses = [&](uint32_t function, CoverageEntry& entry) {
    if (function >= p.debug.size()) return;
    const FunctionDebug& debug = p.debug[function];
    const FunctionCounts& counts = functions_[function];
    for (size_t c = 0; c < debug.clauses.size(); ++c) {
      const ClauseInfo& clause = debug.clauses[c];
      entry.lines.push_back({clause.text, clause.line, sides_of(clause.kind, counts.clauses[c])});
      // The limits inside it, once each by their text (a limit the compiler evaluates twice is
      // one limit to the author), in the order computed.
      std::vector<CoverageLine> limits;
      for (size_t v = 0; v < debug.values.size(); ++v) {
        const ValueInfo& value = debug.values[v];
        if (value.clause != c || !value.limit) continue;
        auto same = std::find_if(limits.begin(), limits.end(), [&](const CoverageLine& l) { return l.text == value.text; });
        if (same == limits.end())
          same = limits.insert(limits.end(), {value.text, clause.line, {{"true", 0}, {"false", 0}}, true});
        same->sides[0].times += counts.values[v][1];
        same->sides[1].times += counts.values[v][0];
      }
      // A condition that is one limit and nothing more has the clause's own two sides.
      if (limits.size() == 1 && limits[0].text == condition_of(clause)) continue;
      entry.lines.insert(entry.lines.end(), limits.begin(), limits.end());
    }
  };
  for (const Rule& r : p.rules) {
    CoverageEntry entry{(r.warning ? "warning " : "") + r.id, r.line, functions_[r.function].runs, {}};
    clauses(r.function, entry);
    out.push_back(std::move(entry));
  }
  for (const DueItem& d : p.dues) {
    CoverageEntry entry{"due " + d.rule + " " + p.services[d.service].code, d.line, functions_[d.function].runs, {}};
    clauses(d.function, entry);
    const FunctionCounts& f = functions_[d.function];
    entry.lines.push_back({"(the item)", d.line, {{"listed", f.due}, {"not listed", f.runs - f.due}}});
    out.push_back(std::move(entry));
  }
  return out;
}

CoverageReport coverage_report(const std::string& path, const CoverageTally& tally) {
  CoverageReport report{path, tally.entries(), 0, 0};
  for (const CoverageEntry& e : report.entries)
    for (const CoverageLine& l : e.lines)
      for (const CoverageSide& s : l.sides) {
        ++report.sides;
        report.covered += s.times > 0;
      }
  return report;
}

std::string coverage_text(const std::vector<CoverageReport>& reports) {
  std::string out;
  for (const CoverageReport& r : reports) {
    out += fmt::format("\ncoverage of {}: {} of {} sides ({:.1f} %)\n", r.agreement, r.covered, r.sides, r.percent());
    std::string missing;
    for (const CoverageEntry& e : r.entries) {
      out += fmt::format("  {}, line {}{}\n", e.title, e.line, e.runs ? "" : ": never ran");
      if (!e.runs)  // one reason for all its sides
        missing += fmt::format("    {}, line {}: never ran: {}\n", e.title, e.line,
                               e.title.starts_with("due ") ? "no case had a course" : "no case had an event it judges");
      for (const CoverageLine& l : e.lines) {
        std::string marks;
        for (const CoverageSide& s : l.sides) {
          marks += fmt::format("{} {:<16}", s.times ? "✓" : "✗", s.name);
          if (!s.times && e.runs)
            missing += fmt::format("    {}, line {}: {}{} never {}\n", e.title, l.line, l.limit ? "limit " : "", l.text,
                                   l.limit ? "came out " + s.name : s.name);
        }
        out += fmt::format("    {:<38}{}{}\n", marks, l.limit ? "  limit " : "", l.text);
      }
    }
    if (!missing.empty()) out += "  not covered:\n" + missing;
  }
  return out;
}

std::string coverage_json(const std::vector<CoverageReport>& reports) {
  auto json = [](std::string_view text) {
    std::string out;
    append_json_string(&out, text);
    return out;
  };
  std::string out = "{\"agreements\":[";
  for (size_t a = 0; a < reports.size(); ++a) {
    const CoverageReport& r = reports[a];
    out += fmt::format("{}{{\"agreement\":{},\"sides\":{},\"covered\":{},\"percent\":{:.1f},\"entries\":[", a ? "," : "",
                       json(r.agreement), r.sides, r.covered, r.percent());
    for (size_t e = 0; e < r.entries.size(); ++e) {
      const CoverageEntry& entry = r.entries[e];
      out += fmt::format("{}{{\"title\":{},\"line\":{},\"runs\":{},\"clauses\":[", e ? "," : "", json(entry.title),
                         entry.line, entry.runs);
      for (size_t l = 0; l < entry.lines.size(); ++l) {
        const CoverageLine& line = entry.lines[l];
        out += fmt::format("{}{{\"text\":{},\"line\":{},\"limit\":{},\"sides\":[", l ? "," : "", json(line.text),
                           line.line, line.limit);
        for (size_t s = 0; s < line.sides.size(); ++s)
          out += fmt::format("{}{{\"side\":{},\"times\":{}}}", s ? "," : "", json(line.sides[s].name), line.sides[s].times);
        out += "]}";
      }
      out += "]}";
    }
    out += "]}";
  }
  return out + "]}";
}

}  // namespace agr::cli
