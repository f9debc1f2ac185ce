// The table-driven diagnostics suite: each row is an agreement and a diagnostic that must appear
// at a given line and column, or must not appear at all. Every lint and every diagnostic written
// to stop misleading an author has a row on each side.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bundled.h"
#include "driver.h"

namespace {

// Nine lines; a row's own text starts at line 10.
const std::string kHeader =
    "agreement t \"Test\"\n"
    "flag video \"Video\"\n"
    "service 0261 \"Initial\"\n"
    "service 0266 \"Training\"\n"
    "service 0267 \"Final\"\n"
    "supplement 2001 \"Supplement\"\n"
    "group initial = 0261\n"
    "course starts with initial ends with 0267\n"
    "rule T-0 for initial require not started message \"m\" source \"s\"\n";

struct Row {
  const char* what;
  std::string body;      // appended to kHeader
  const char* severity;  // "warning" or "error"
  std::string message;   // a substring of the message line (and hint, if `hint` is set)
  std::string at;        // "line:col"; empty: no diagnostic of this severity may contain `message`
  std::string hint = {};  // a substring of the diagnostic's hint, when set
  int errors = -1;        // how many errors the whole source has, when set
};

struct Rendered {
  std::string text;
  size_t errors = 0;
};

Rendered compile(const std::string& source) {
  agr::SourceFile file{"t.agr", source};
  agr::Diagnostics diags;
  agr::compile(file, diags);
  return {diags.render(file), diags.error_count()};
}

// The diagnostic rendered at `at` with `severity` whose message contains `message`, with its
// hint line if it has one; empty when there is none.
std::string find(const std::string& rendered, const std::string& severity, const std::string& at,
                 const std::string& message) {
  const std::string prefix = "t.agr:" + at + ": " + severity + ": ";
  size_t pos = 0;
  while ((pos = rendered.find(prefix, pos)) != std::string::npos) {
    const size_t end = rendered.find('\n', pos);
    if (rendered.substr(pos, end - pos).find(message) != std::string::npos) {
      // The diagnostic runs until the next "t.agr:" line.
      const size_t next = rendered.find("\nt.agr:", end);
      return rendered.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    }
    pos = end;
  }
  return {};
}

bool mentions(const std::string& rendered, const std::string& severity, const std::string& message) {
  size_t pos = 0;
  const std::string marker = ": " + severity + ": ";
  while ((pos = rendered.find(marker, pos)) != std::string::npos) {
    const size_t end = rendered.find('\n', pos);
    if (rendered.substr(pos, end - pos).find(message) != std::string::npos) return true;
    pos = end;
  }
  return false;
}

void run(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    const std::string source = kHeader + row.body;
    INFO(row.what << "\n" << row.body);
    const Rendered r = compile(source);
    INFO(r.text);
    if (row.at.empty()) {
      CHECK_FALSE(mentions(r.text, row.severity, row.message));
      continue;
    }
    const std::string found = find(r.text, row.severity, row.at, row.message);
    CHECK_FALSE(found.empty());
    if (!row.hint.empty()) CHECK_THAT(found, Catch::Matchers::Contains(row.hint));
    if (row.errors >= 0) CHECK(r.errors == static_cast<size_t>(row.errors));
  }
}

const std::string kRule = "  message \"m\" source \"s\"\n";

}  // namespace

TEST_CASE("lints: unused groups and definitions", "[diagnostics][lint]") {
  run({
      {"an unused group", "group spare = 0266\n", "warning", "group 'spare' is never used", "10:7"},
      {"a group used by a rule", "group spare = 0266\nrule T-1 for spare require started\n" + kRule, "warning",
       "is never used", ""},
      {"a group used only by another group", "group a = 0266\ngroup b = a\nrule T-1 for b require started\n" + kRule,
       "warning", "is never used", ""},
      {"a group used in a count", "group a = 0266\nrule T-1 for 0266 require count(a) < 2\n" + kRule, "warning",
       "is never used", ""},
      {"a group used in `first`", "group a = 0266\ndefine d = first a\nrule T-1 for 0266 require date > d\n" + kRule,
       "warning", "is never used", ""},
      {"an unused definition", "define spare = count(0266)\n", "warning", "'spare' is defined but never used", "10:8"},
      {"a definition used by another that is used",
       "define a = count(0266)\ndefine b = a < 3\nrule T-1 for 0266 require b\n" + kRule, "warning",
       "defined but never used", ""},
      {"a definition used in a due item",
       "define t = start + 2 weeks\ndue T-9 0266 earliest start target t\n", "warning", "defined but never used", ""},
      {"an unused flag is not a warning: histories may carry it", "flag spare \"Spare\"\n", "warning", "spare", ""},
      {"a service no rule names is not a warning: it is governed", "service 0999 \"Spare\"\n", "warning", "0999",
       ""},
  });
}

TEST_CASE("lints: conditions that never or always hold", "[diagnostics][lint]") {
  run({
      {"x and not x", "rule T-1 for 0266\n  require started and not started\n" + kRule, "warning",
       "this condition never holds", "11:11", "`started` and `not started` cannot both hold, so T-1 rejects every"},
      {"x and not x across a chain and a definition",
       "define s = started\nrule T-1 for 0266\n  require s and count(0266) < 2 and not started\n" + kRule, "warning",
       "this condition never holds", "12:11"},
      {"x and not y", "rule T-1 for 0266\n  require started and not ended\n" + kRule, "warning", "condition", ""},
      {"x or not x", "rule T-1 for 0266\n  when flagged video or not flagged video\n  require started\n" + kRule,
       "warning", "this condition always holds", "11:8", "so this `when` limits nothing"},
      {"x or not (x and y)", "rule T-1 for 0266\n  require started or not (started and ended)\n" + kRule, "warning",
       "condition", ""},
      {"a count below 0", "rule T-1 for 0266\n  require count(0266) < 0\n" + kRule, "warning",
       "this condition never holds", "11:11", "`count(0266)` is never below 0"},
      {"a count at least 0", "rule T-1 for 0266\n  reject if count(0266) >= 0\n" + kRule, "warning",
       "this condition always holds", "11:13", "so T-1 rejects every event it judges"},
      {"0 greater than a count, written the other way round", "rule T-1 for 0266\n  require 0 > count(0266)\n" + kRule,
       "warning", "this condition never holds", "11:11"},
      {"a count below 1", "rule T-1 for 0266\n  require count(0266) < 1\n" + kRule, "warning", "condition", ""},
      {"a count above any a history can hold", "rule T-1 for 0266\n  reject if count(0266) > 20000\n" + kRule,
       "warning", "this condition never holds", "11:13", "a history holds at most 10000 events"},
      {"a count compared with a large number it can reach",
       "rule T-1 for 0266\n  reject if count(0266) > 9000\n" + kRule, "warning", "condition", ""},
      {"a sum of counts is never negative", "rule T-1 for 0266\n  require count(0266) + count(0261) + 1 > 0\n" + kRule,
       "warning", "this condition always holds", "11:11"},
      {"a difference of counts may be negative", "rule T-1 for 0266\n  require count(0266) - count(0261) < 0\n" + kRule,
       "warning", "condition", ""},
      {"both sides the same", "rule T-1 for 0266\n  require clinic = clinic\n" + kRule, "warning",
       "this condition always holds", "11:11", "both sides are `clinic`"},
      {"a date after itself moved forward",
       "rule T-1 for 0266\n  require start > start + 3 months\n" + kRule, "warning", "this condition never holds",
       "11:11", "`start` is always before `start + 3 months`"},
      {"dates moved by days and weeks compare exactly",
       "rule T-1 for 0266\n  reject if date - 1 week >= date - 6 days\n" + kRule, "warning",
       "this condition never holds", "11:13"},
      {"dates moved by months and by days do not compare",
       "rule T-1 for 0266\n  reject if start + 1 month > start + 30 days\n" + kRule, "warning", "condition", ""},
      {"dates from different bases do not compare", "rule T-1 for 0266\n  require date <= start + 3 months\n" + kRule,
       "warning", "condition", ""},
      {"written-out dates compare", "rule T-1 for 0266\n  reject if 2025-09-01 > 2025-10-01\n" + kRule, "warning",
       "this condition never holds", "11:13"},
      {"a date always inside its own window",
       "rule T-1 for 0266\n  require date in date - 3 days .. date + 1 week\n" + kRule, "warning",
       "this condition always holds", "11:11"},
      {"a definition that never holds is reported at the definition, once",
       "define never = count(0266) < 0\nrule T-1 for 0266\n  require never\n" + kRule, "warning",
       "this condition never holds", "10:16"},
  });
  // ... and not again where it is used.
  const Rendered r = compile(kHeader + "define never = count(0266) < 0\nrule T-1 for 0266\n  require never\n" + kRule);
  size_t count = 0;
  for (size_t pos = 0; (pos = r.text.find("never holds", pos)) != std::string::npos; ++pos) ++count;
  CHECK(count == 1);
}

TEST_CASE("lints: what the clauses above settled", "[diagnostics][lint]") {
  run({
      {"a `when` and a `require` that contradicts it",
       "rule T-1 for 0266\n  when started\n  require not started\n" + kRule, "warning",
       "this condition never holds here", "12:11",
       "`not started` cannot hold: `started` holds after line 11, so T-1 rejects every event it judges"},
      {"a `require` repeated", "rule T-1 for 0266\n  require started\n  require count(0266) < 2\n  require started\n" + kRule,
       "warning", "this condition always holds here", "13:11", "`started` already holds after line 11"},
      {"after `reject if A or B`, neither holds",
       "rule T-1 for 0266\n  reject if ended or count(0266) > 2\n  require ended\n" + kRule, "warning",
       "this condition never holds here", "12:11", "`not ended` holds after line 11"},
      {"a part of a condition repeated, the rest new",
       "rule T-1 for 0266\n  require started\n  require count(0266) < 2 and started\n" + kRule, "warning",
       "here", ""},
      {"after `reject if A and B`, nothing is settled",
       "rule T-1 for 0266\n  reject if ended and count(0266) > 2\n  require ended\n" + kRule, "warning", "here", ""},
      {"a clause that may be skipped settles nothing",
       "rule T-1 for 0266\n  require date <= end\n  require not (date <= end)\n" + kRule, "warning", "here", ""},
      {"one rule's clauses settle nothing in another",
       "rule T-1 for 0266\n  require started\n" + kRule + "rule T-2 for 0267\n  require not started\n" + kRule,
       "warning", "here", ""},
      {"a condition that needs an absent value says so",
       "rule T-1 for 0266\n  require date in start .. start - 1 day\n" + kRule, "warning",
       "this window holds no date", "11:19", "(when the values it needs are present)"},
  });
}

TEST_CASE("lints: windows that hold no date, counts of no service", "[diagnostics][lint]") {
  run({
      {"a window ending before it starts", "rule T-1 for 0266\n  require date in start .. start - 1 day\n" + kRule,
       "warning", "this window holds no date", "11:19",
       "its start `start` is always after its end `start - 1 day`, so T-1 rejects every event it judges"},
      {"a window of written-out dates the wrong way round",
       "rule T-1 for 0266\n  require count(0266 in 2025-10-01 .. 2025-09-01) < 3\n" + kRule, "warning",
       "this window holds no date", "11:25", "so this `require` never rejects"},
      {"a count over an empty window is not reported a second time",
       "rule T-1 for 0266\n  require count(0266 in 2025-10-01 .. 2025-09-01) < 3\n" + kRule, "warning",
       "this condition", ""},
      {"a window of one day", "rule T-1 for 0266\n  require date in start .. start\n" + kRule, "warning",
       "holds no date", ""},
      {"a window in months", "rule T-1 for 0266\n  require date in start + 1 month .. start + 3 months\n" + kRule,
       "warning", "holds no date", ""},
      {"a window in months the wrong way round",
       "rule T-1 for 0266\n  require date not in start + 3 months .. start + 2 months\n" + kRule, "warning",
       "this window holds no date", "11:23", "so this `require` never rejects"},
      {"a window in working days the wrong way round",
       "rule T-1 for 0266\n  reject if date in start + 5 working days .. start + 2 working days\n" + kRule, "warning",
       "this window holds no date", "11:21"},
      {"a window ± working days", "rule T-1 for 0266\n  require date in start + 4 weeks ± 5 working days\n" + kRule,
       "warning", "holds no date", ""},
      {"a count of no service", "warning T-1 for 0266\n  warn if count(0266 except 0266) > 1\n" + kRule, "warning",
       "this count counts no service", "11:17", "the count is always 0, so this clause never warns"},
      {"a count of some service", "warning T-1 for 0266\n  warn if count(services except 0266) > 1\n" + kRule,
       "warning", "counts no service", ""},
  });
}

TEST_CASE("lints: due items never listed, targets outside their dates", "[diagnostics][lint]") {
  run({
      {"latest before earliest", "due T-9 0266\n  earliest start + 3 months\n  target start + 3 months\n"
                                 "  latest start + 2 months\n",
       "warning", "due item T-9 0266 is never listed", "13:10"},
      {"latest after earliest", "due T-9 0266\n  earliest start\n  target start + 2 weeks\n  latest start + 1 month\n",
       "warning", "never listed", ""},
      {"latest from another base", "due T-9 0266\n  earliest start + 3 months\n  target start + 3 months\n"
                                   "  latest referral + 1 month\n",
       "warning", "never listed", ""},
      {"target before earliest", "due T-9 0266\n  earliest start + 2 weeks\n  target start + 1 week\n", "warning",
       "the target is always before the earliest date", "12:10"},
      {"target after latest", "due T-9 0266\n  earliest start\n  target start + 5 weeks\n  latest start + 4 weeks\n",
       "warning", "the target is always after the latest date", "12:10"},
      {"a due `when` that never holds", "due T-9 0266\n  when count(0266) < 0\n  earliest start\n  target start\n",
       "warning", "this condition never holds", "11:8", "so the item is never due"},
  });
}

TEST_CASE("lints: one rule id quoting two passages", "[diagnostics][lint]") {
  run({
      {"a copied block whose id was not changed",
       "rule T-1 for 0266\n  require started\n  message \"a\" source \"first\"\n"
       "rule T-1 for 0267\n  require started\n  message \"b\" source \"second\"\n",
       "warning", "T-1 is also declared at line 10, quoting another source passage", "13:6"},
      {"one rule said of two codes, quoting one passage (STE-2)",
       "rule T-1 for 0266\n  require started\n  message \"a\" source \"one\"\n"
       "rule T-1 for 0267\n  require not started\n  message \"b\" source \"one\"\n",
       "warning", "also declared", ""},
      {"a rule and a warning with one id",
       "rule T-1 for 0266\n  require started\n" + kRule + "warning T-1 for 0267\n  warn if started\n" + kRule,
       "warning", "T-1 is declared as a rule at line 10 and as a warning here", "13:9"},
  });
}

TEST_CASE("lints: the bundled agreements have no warnings", "[diagnostics][lint]") {
  for (const char* name : {"lbp", "ste", "pathway-midtjylland", "pathway-nordjylland"}) {
    INFO(name);
    agr::SourceFile file;
    std::string error;
    REQUIRE(agr::read_source_file(std::string(AGR_SOURCE_DIR) + "/agreements/" + name + ".agr", &file, &error));
    agr::Diagnostics diags;
    agr::compile(file, diags);
    CHECK(diags.render(file).empty());
  }
}

TEST_CASE("warnings do not stop a build", "[diagnostics][lint]") {
  agr::SourceFile file{"t.agr", kHeader + "group spare = 0266\n"};
  agr::Diagnostics diags;
  const agr::Compilation c = agr::compile(file, diags);
  CHECK_FALSE(diags.has_errors());
  CHECK(diags.all().size() == 1);
  CHECK(c.program.has_value());
}

TEST_CASE("diagnostics that used to mislead", "[diagnostics]") {
  run({
      {"a string left open mid-file: once, at its own line",
       "rule T-1 for 0266\n  require started\n  message \"Training needs a course.\n  source \"s\"\n"
       "rule T-2 for 0267\n  require started\n  message \"m\"\n  source \"Forløbet afsluttes.\"\n",
       "error", "unterminated string", "12:11", "the text runs on to line 13, which reads like the next clause", 1},
      {"a service title left open", "service 0268 \"Follow-up\nservice 0269 \"Manual\"\n", "error",
       "unterminated string", "10:14", "add the closing quote", 1},
      {"a text over several lines is not a string left open",
       "rule T-1 for 0266\n  require started\n  message \"Training needs\n    a course.\"\n  source \"s\"\n", "error",
       "unterminated", ""},
      {"the last string left open", "flag other \"abc\n", "error", "unterminated string", "10:12", "", 1},

      {"a flag with two letters swapped", "rule T-1 for 0266\n  require flagged vidoe\n" + kRule, "error",
       "unknown flag 'vidoe'", "11:19", "did you mean 'video'?"},
      {"a flag far from any declared is to be declared", "rule T-1 for 0266\n  require flagged holiday\n" + kRule,
       "error", "unknown flag 'holiday'", "11:19", "declare it with `flag holiday"},
      {"a code with two digits swapped", "rule T-1 for 0626\n  require started\n" + kRule, "error",
       "unknown service code or group '0626'", "10:14", "did you mean '0266'?"},
      {"a code with two digits swapped in a count", "rule T-1 for 0266\n  require count(0627) < 1\n" + kRule, "error",
       "unknown service code or group '0627'", "11:17", "did you mean '0267'?"},
      {"a code far from any declared gets no suggestion", "rule T-1 for 0999\n  require started\n" + kRule, "error",
       "did you mean", ""},

      {"a group naming a group declared below it", "group both = training, 0267\ngroup training = 0266\n", "error",
       "group 'training' is declared below, at line 11; a group may only name groups declared above it", "10:14",
       "move the declaration of 'training' above this one"},
      {"a group naming a group declared above it",
       "group training = 0266\ngroup both = training, 0267\nrule T-1 for both require started\n" + kRule, "error",
       "declared below", ""},
      {"a rule may name a group declared below it",
       "rule T-1 for training require started\n" + kRule + "group training = 0266\n", "error", "training", ""},

      {"S for the course's start", "rule T-1 for 0266\n  require date <= S + 2 weeks\n" + kRule, "error",
       "unknown name 'S'", "11:19", "the spec's S, the course's start, is written `start`"},
      {"F for the course's end", "rule T-1 for 0266\n  require date >= F + 3 months\n" + kRule, "error",
       "unknown name 'F'", "11:19", "is written `end`"},
      {"R for the referral", "rule T-1 for 0266\n  require date <= R + 12 months\n" + kRule, "error",
       "unknown name 'R'", "11:19", "is written `referral`"},
      {"another unknown name gets no such hint", "rule T-1 for 0266\n  require date <= T + 2 weeks\n" + kRule,
       "error", "the spec's", ""},

      {"workdays", "rule T-1 for 0266\n  require date in start ± 3 workdays\n" + kRule, "error",
       "unexpected 'workdays'", "11:29", "written `N working days`"},
      {"hverdage after +", "rule T-1 for 0266\n  require date <= start + 5 hverdage\n" + kRule, "error",
       "unexpected 'hverdage'", "11:29", "written `N working days`"},
      {"working days", "rule T-1 for 0266\n  require date in start ± 3 working days\n" + kRule, "error", "working", ""},

      {"a second fee on a price level's line",
       "before first price level no fee\nprice level 2025-01-01\n  0266 fee 1.00 subsidy 0.50 patient 0.50\n"
       "  fee 2.00 subsidy 1.00 patient 1.00\n",
       "error", "a second fee: a fee line gives one fee", "13:3", "names its service first", 1},
      {"one fee on each line",
       "before first price level no fee\nprice level 2025-01-01\n  0266 fee 1.00 subsidy 0.50 patient 0.50\n"
       "  0267 fee 2.00 subsidy 1.00 patient 1.00\n",
       "error", "fee", ""},
  });
}
