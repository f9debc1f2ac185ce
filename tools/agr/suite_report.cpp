// The reports of `agr test`: text for people, JUnit XML for CI servers (GitLab, Jenkins, GitHub
// read it), and JSON for other tools. docs/suites.md shows each.
#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "diagnostics.h"  // printable
#include "suite.h"
#include "verdict_writer.h"  // append_json_string

namespace agr::cli {
namespace {

constexpr size_t kWidth = 100;  // text lines are wrapped to stay within it

// Minified JSON broken after commas that stand outside strings, each line at most `width` wide
// where that is possible.
std::vector<std::string> wrap_json(const std::string& json, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t last_break = std::string::npos;  // in `line`, just after a comma outside a string
  bool in_string = false, escaped = false;
  for (char ch : json) {
    line += ch;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == ',') {
      last_break = line.size();
    }
    if (line.size() > width && last_break != std::string::npos) {
      lines.push_back(line.substr(0, last_break));
      line.erase(0, last_break);
      last_break = std::string::npos;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// One difference, indented four spaces: on one line when it fits, else its values on lines of
// their own.
std::string show(const Difference& d) {
  const std::string one_line = "    " + d.text();
  if (one_line.size() <= kWidth || d.kind == Difference::Kind::Length) return one_line + "\n";
  auto block = [](const std::string& json) {
    std::string out;
    for (const std::string& part : wrap_json(json, kWidth - 8)) out += "        " + part + "\n";
    return out;
  };
  const std::string where = d.path.empty() ? "the result" : d.path;
  switch (d.kind) {
    case Difference::Kind::Value: return "    " + where + ": expected\n" + block(d.expected) + "      got\n" + block(d.actual);
    case Difference::Kind::Missing: return "    " + where + ": missing; expected\n" + block(d.expected);
    case Difference::Kind::Unexpected: return "    " + where + ": unexpected\n" + block(d.actual);
    case Difference::Kind::Length: break;
  }
  return one_line + "\n";
}

// What a failing case reads as in a group: its first difference, indexes generalised; or its
// problem.
std::string group_key(const CaseResult& c) {
  return c.problem.empty() ? c.differences.front().pattern() : c.problem;
}

struct Group {
  std::string key;
  std::vector<std::pair<const SuiteResult*, const CaseResult*>> cases;
};

// Failing cases grouped by group_key, in the order each group first failed.
std::vector<Group> groups(const std::vector<SuiteResult>& results) {
  std::vector<Group> out;
  std::map<std::string, size_t> index;
  for (const SuiteResult& s : results) {
    for (const CaseResult& c : s.cases) {
      if (c.passed()) continue;
      const std::string key = group_key(c);
      auto [it, inserted] = index.emplace(key, out.size());
      if (inserted) out.push_back({key, {}});
      out[it->second].cases.emplace_back(&s, &c);
    }
  }
  return out;
}

struct Counts {
  size_t passed = 0, failed = 0, errors = 0, filtered_out = 0;
};

Counts count(const std::vector<SuiteResult>& results) {
  Counts n;
  for (const SuiteResult& s : results) {
    n.filtered_out += s.filtered_out;
    if (!s.problem.empty()) ++n.errors;
    for (const CaseResult& c : s.cases) {
      if (c.passed()) {
        ++n.passed;
      } else if (!c.problem.empty()) {
        ++n.errors;
      } else {
        ++n.failed;
      }
    }
  }
  return n;
}

// Text for XML: `&`, `<` and `>` escaped, and in an attribute (`attribute`) quotes and line breaks
// too. XML 1.0 has no place for other control characters, even escaped: they become '?'.
std::string xml(std::string_view text, bool attribute = false) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      default: out += static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\r' ? '?' : ch;
    }
  }
  return out;
}

std::string attribute(std::string_view text) { return xml(text, true); }

// Each line through `printable` (compiler/diagnostics.h): no escape sequence from a suite file or
// a verdict reaches the terminal.
std::string printable_lines(std::string_view text) {
  std::string out;
  for (size_t begin = 0, end; begin < text.size(); begin = end + 1) {
    end = std::min(text.find('\n', begin), text.size());
    out += printable(text.substr(begin, end - begin), /*keep_tabs=*/true) + "\n";
  }
  return out;
}

std::string json(std::string_view text) {
  std::string out;
  append_json_string(&out, text);
  return out;
}

}  // namespace

std::string text_report(const std::vector<SuiteResult>& results, bool verbose) {
  std::string out;
  for (const SuiteResult& s : results) {
    if (!s.problem.empty()) {
      out += fmt::format("FAIL {}: {}\n", s.file.string(), s.problem);
      continue;
    }
    for (const CaseResult& c : s.cases) {
      if (c.passed()) {
        if (verbose) out += fmt::format("PASS {}: {}\n", s.file.string(), c.name);
        continue;
      }
      out += fmt::format("FAIL {}: {}\n", s.file.string(), c.name);
      if (!c.problem.empty()) out += "    " + c.problem + "\n";
      for (const Difference& d : c.differences) out += show(d);
      if (verbose && !c.actual.empty()) out += "    actual: " + c.actual + "\n";
    }
  }
  const Counts n = count(results);
  const std::vector<Group> failures = groups(results);
  if (n.failed + n.errors > 1) {
    out += fmt::format("\n{} failures, grouped by their first difference:\n", n.failed + n.errors);
    for (const Group& g : failures) {
      out += fmt::format("  {} × {}\n", g.cases.size(), g.key);
      for (const auto& [suite, c] : g.cases) out += fmt::format("      {}: {}\n", suite->file.string(), c->name);
    }
    for (const SuiteResult& s : results)
      if (!s.problem.empty()) out += fmt::format("  1 × {}: the suite did not run\n", s.file.string());
  }
  out += fmt::format("{} passed, {} failed", n.passed, n.failed + n.errors);
  if (n.filtered_out) out += fmt::format(", {} left out by --filter", n.filtered_out);
  return printable_lines(out);
}

std::string junit_report(const std::vector<SuiteResult>& results) {
  const Counts n = count(results);
  double total_seconds = 0;
  for (const SuiteResult& s : results) total_seconds += s.seconds;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"agr test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.6f}\">\n",
                     n.passed + n.failed + n.errors, n.failed, n.errors, total_seconds);
  for (const SuiteResult& s : results) {
    const std::string file = attribute(s.file.string());
    size_t failures = 0, errors = s.problem.empty() ? 0 : 1;
    for (const CaseResult& c : s.cases) (c.problem.empty() ? failures : errors) += !c.passed();
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.6f}\">\n",
                       file, s.cases.size() + (s.problem.empty() ? 0 : 1), failures, errors, s.seconds);
    if (!s.problem.empty())
      out += fmt::format("    <testcase classname=\"{}\" name=\"(suite)\" time=\"{:.6f}\">\n"
                         "      <error message=\"{}\" type=\"suite\">{}</error>\n    </testcase>\n",
                         file, s.seconds, attribute(s.problem.substr(0, s.problem.find('\n'))), xml(s.problem));
    for (const CaseResult& c : s.cases) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6f}\"", file, attribute(c.name), c.seconds);
      if (c.passed()) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      if (!c.problem.empty()) {
        out += fmt::format("      <error message=\"{}\" type=\"case\">{}</error>\n", attribute(c.problem), xml(c.problem));
      } else {
        std::string body;
        for (const Difference& d : c.differences) body += d.text() + "\n";
        body += "actual: " + c.actual + "\n";
        out += fmt::format("      <failure message=\"{}\" type=\"difference\">{}</failure>\n",
                           attribute(c.differences.front().text()), xml(body));
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

std::string json_report(const std::vector<SuiteResult>& results, const std::string& coverage) {
  const Counts n = count(results);
  auto raw = [](const std::string& value) { return value.empty() ? std::string("null") : value; };
  std::string out = fmt::format("{{\"passed\":{},\"failed\":{},\"filtered_out\":{},\"suites\":[", n.passed,
                                n.failed + n.errors, n.filtered_out);
  for (size_t i = 0; i < results.size(); ++i) {
    const SuiteResult& s = results[i];
    out += fmt::format("{}{{\"file\":{},\"agreement\":{},\"problem\":{},\"seconds\":{:.6f},\"cases\":[", i ? "," : "",
                       json(s.file.string()), s.agreement.empty() ? "null" : json(s.agreement),
                       s.problem.empty() ? "null" : json(s.problem), s.seconds);
    for (size_t k = 0; k < s.cases.size(); ++k) {
      const CaseResult& c = s.cases[k];
      const char* status = c.passed() ? "passed" : c.problem.empty() ? "failed" : "error";
      out += fmt::format("{}{{\"name\":{},\"index\":{},\"status\":\"{}\",\"seconds\":{:.6f}", k ? "," : "",
                         json(c.name), c.index, status, c.seconds);
      if (!c.problem.empty()) out += ",\"problem\":" + json(c.problem);
      if (!c.differences.empty()) {
        out += ",\"differences\":[";
        for (size_t d = 0; d < c.differences.size(); ++d) {
          const Difference& diff = c.differences[d];
          static const char* kinds[] = {"value", "missing", "unexpected", "length"};
          out += fmt::format("{}{{\"path\":{},\"kind\":\"{}\",\"expected\":{},\"actual\":{},\"text\":{}}}", d ? "," : "",
                             json(diff.path), kinds[static_cast<int>(diff.kind)], raw(diff.expected), raw(diff.actual),
                             json(diff.text()));
        }
        out += "],\"actual\":" + raw(c.actual);
      }
      out += "}";
    }
    out += "]}";
  }
  out += "],\"groups\":[";
  const std::vector<Group> failures = groups(results);
  for (size_t g = 0; g < failures.size(); ++g) {
    out += fmt::format("{}{{\"difference\":{},\"count\":{},\"cases\":[", g ? "," : "", json(failures[g].key),
                       failures[g].cases.size());
    for (size_t k = 0; k < failures[g].cases.size(); ++k)
      out += fmt::format("{}{{\"file\":{},\"name\":{}}}", k ? "," : "", json(failures[g].cases[k].first->file.string()),
                         json(failures[g].cases[k].second->name));
    out += "]}";
  }
  out += "]";
  if (!coverage.empty()) out += ",\"coverage\":" + coverage;
  return out + "}\n";
}

}  // namespace agr::cli
