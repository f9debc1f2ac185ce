// `agr test --coverage`: coverage.h.
#include "coverage.h"

#include <fmt/core.h>

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

}  // namespace

CoverageTally::CoverageTally(std::shared_ptr<const Agreement> agreement)
    : agreement_(std::move(agreement)), watcher_(agreement_->program()) {
  const Program& p = agreement_->program();
  functions_.resize(p.functions.size());
  for (size_t f = 0; f < p.debug.size(); ++f) functions_[f].clauses.assign(p.debug[f].clauses.size(), {});
  watcher_.on_run = [this](const FunctionRun& run) { count(run); };
}

void CoverageTally::count(const FunctionRun& run) {
  FunctionCounts& f = functions_[run.function];
  ++f.runs;
  if (run.result == RunResult::Due) ++f.due;
  for (size_t c = 0; c < run.clauses.size() && c < f.clauses.size(); ++c)
    ++f.clauses[c][static_cast<size_t>(run.clauses[c])];
}

std::vector<CoverageEntry> CoverageTally::entries() const {
  const Program& p = agreement_->program();
  std::vector<CoverageEntry> out;
  auto clauses = [&](uint32_t function, CoverageEntry& entry) {
    if (function >= p.debug.size()) return;
    const FunctionDebug& debug = p.debug[function];
    for (size_t c = 0; c < debug.clauses.size(); ++c)
      entry.lines.push_back({debug.clauses[c].text, debug.clauses[c].line,
                             sides_of(debug.clauses[c].kind, functions_[function].clauses[c])});
  };
  for (const Rule& r : p.rules) {
    CoverageEntry entry{(r.warning ? "warning " : "") + r.id, r.line, {}};
    clauses(r.function, entry);
    out.push_back(std::move(entry));
  }
  for (const DueItem& d : p.dues) {
    CoverageEntry entry{"due " + d.rule + " " + p.services[d.service].code, d.line, {}};
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
      out += fmt::format("  {}, line {}\n", e.title, e.line);
      for (const CoverageLine& l : e.lines) {
        std::string marks;
        for (const CoverageSide& s : l.sides) {
          marks += fmt::format("{} {:<16}", s.times ? "✓" : "✗", s.name);
          if (!s.times) missing += fmt::format("    {}, line {}: {} never {}\n", e.title, l.line, l.text, s.name);
        }
        out += fmt::format("    {:<38}{}\n", marks, l.text);
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
      out += fmt::format("{}{{\"title\":{},\"line\":{},\"clauses\":[", e ? "," : "", json(entry.title), entry.line);
      for (size_t l = 0; l < entry.lines.size(); ++l) {
        const CoverageLine& line = entry.lines[l];
        out += fmt::format("{}{{\"text\":{},\"line\":{},\"sides\":[", l ? "," : "", json(line.text), line.line);
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
