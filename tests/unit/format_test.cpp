// agr fmt (compiler/format.cpp): the layout of small sources, the example file
// tests/format/layout.agr, and on every bundled agreement and every example of the manual the two
// promises: the layout parses to the same tree (the `--emit=ast` print) with the same comments,
// and laying it out again changes nothing.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ast.h"
#include "driver.h"
#include "format.h"
#include "parse.h"

namespace {

std::string read(const std::string& relative) {
  std::ifstream in(std::string(AGR_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tree(const std::string& source) {
  agr::SourceFile file{"t.agr", source};
  agr::Diagnostics diags;
  auto agreement = agr::parse_agreement(file, diags);
  INFO(diags.render(file));
  REQUIRE(agreement);
  return agr::ast::print(*agreement);
}

std::string layout(const std::string& source) {
  agr::SourceFile file{"t.agr", source};
  agr::Diagnostics diags;
  std::string out;
  const bool ok = agr::format_source(file, diags, &out);
  INFO(diags.render(file));
  REQUIRE(ok);
  return out;
}

// The promises, on one source.
void check_promises(const std::string& source) {
  const std::string once = layout(source);
  INFO("laid out:\n" << once);
  CHECK(tree(once) == tree(source));
  CHECK(layout(once) == once);
}

struct Row {
  const char* what;
  std::string input;
  std::string expected;
};

const std::string kHeader = "agreement x \"t\"\n\n";

}  // namespace

TEST_CASE("agr fmt: the layout of small sources", "[format]") {
  const std::vector<Row> rows = {
      {"header clauses on lines of their own, in the manual's order",
       "agreement x \"t\" referral required source \"a\" source \"b\"\n",
       "agreement x \"t\"\n  source \"a\"\n  source \"b\"\n  referral required\n"},
      {"a price level's fee lines under it, each amount aligned in its column",
       kHeader + "price level 2025-01-01 \"t\" 0261 fee 1.00 subsidy 0.40 patient 0.60 0261 flagged video fee "
                 "10.00 subsidy 4.00 patient 6.00\nprice level 2026-01-01 0261 fee 2.00 subsidy 1.00 patient 1.00\n"
                 "before first price level reject by R-1\n",
       kHeader + "price level 2025-01-01 \"t\"\n  0261 fee  1.00 subsidy 0.40 patient 0.60\n"
                 "  0261 flagged video fee 10.00 subsidy 4.00 patient 6.00\n\nprice level 2026-01-01\n"
                 "  0261 fee 2.00 subsidy 1.00 patient 1.00\n\nbefore first price level reject by R-1\n"},
      {"facts together, with their types",
       kHeader + "fact b   date required \"Born.\"\nfact d code\nfact e boolean\nservice 1 \"x\"\n",
       kHeader + "fact b date required \"Born.\"\nfact d code\nfact e boolean\n\nservice 1 \"x\"\n"},
      {"the calendar, code lists, true and false",
       kHeader + "define z = date is saturday,sunday or date is not monday..friday, sunday or date is a working "
                 "day and count(1 in calendar month of date)<2 and d in DM16* , \"M 1\" and d not in X or true\n",
       kHeader + "define z = date is saturday, sunday or date is not monday .. friday, sunday or date is a working "
                 "day and count(1 in calendar month of date) < 2 and d in DM16*, \"M 1\" and d not in X or true\n"},
      {"declarations of different kinds apart, of one kind together",
       kHeader + "flag p\nflag q\nservice 1 \"x\"\ngroup g = 1\ngroup h = 1\n",
       kHeader + "flag p\nflag q\n\nservice 1 \"x\"\n\ngroup g = 1\ngroup h = 1\n"},
      {"one blank line where the author left several", kHeader + "flag p\n\n\n\nflag q\n",
       kHeader + "flag p\n\nflag q\n"},
      {"a rule's clauses indented, message and source last",
       kHeader + "rule R-1 for 1 source \"s\" when started message \"m\" require ended\n",
       kHeader + "rule R-1 for 1\n  when started\n  require ended\n  message \"m\"\n  source \"s\"\n"},
      {"rules apart from each other",
       kHeader + "rule R-1 for 1 require ended\nrule R-2 for 1 require started\n",
       kHeader + "rule R-1 for 1\n  require ended\n\nrule R-2 for 1\n  require started\n"},
      {"a due item's clauses in order",
       kHeader + "due D-1 1 latest referral + 1 year target start earliest start when started\n",
       kHeader + "due D-1 1\n  when started\n  earliest start\n  target start\n  latest referral + 1 year\n"},
      {"spaces around operators, none inside count(...)",
       kHeader + "define z = count( 1 , 2 except 3 today )+1<3 and date>=start+3   months\n",
       kHeader + "define z = count(1, 2 except 3 today) + 1 < 3 and date >= start + 3 months\n"},
      {"the author's parentheses are kept, doubled ones once",
       kHeader + "define z = ((p or q)) and (r)\n", kHeader + "define z = (p or q) and (r)\n"},
      {"a `not` or an `if` inside a comparison gets parentheses",
       kHeader + "define z = x = not y\n", kHeader + "define z = x = (not y)\n"},
      {"± for +-, singular units for one", kHeader + "due D-1 1 window start +- 1 working days\n",
       kHeader + "due D-1 1\n  window start ± 1 working day\n"},
      {"first and last: one term bare, more in parentheses",
       kHeader + "define z = first (1) < last (1, 2) and clinic of last(g) = clinic\n",
       kHeader + "define z = first 1 < last (1, 2) and clinic of last g = clinic\n"},
      {"texts exactly as written", kHeader + "flag f \"a  \\\"b\\\"\"   \"c\"\n",
       kHeader + "flag f \"a  \\\"b\\\"\" \"c\"\n"},
      {"a long allow list wraps, aligned",
       kHeader + "same day allow 0110 + 0262, 0261 + 0263, 0261 + 0264, 0262 + 0263, 0262 + 0264, 0263 + 0264, "
                 "0263 + 0266, 0263 + 0113\n",
       kHeader + "same day\n  allow 0110 + 0262, 0261 + 0263, 0261 + 0264, 0262 + 0263, 0262 + 0264, 0263 + 0264,\n"
                 "        0263 + 0266, 0263 + 0113\n"},
      {"allow clauses are one list", kHeader + "same day allow 1 + 2 count 1 as 2 on a day with 2 allow 2 + 2\n",
       kHeader + "same day\n  allow 1 + 2, 2 + 2\n  count 1 as 2 on a day with 2\n"},
      {"a comment after code ends the line showing that code",
       kHeader + "rule R-1 for 1 # the rule\n  require ended   # the clause   \n",
       kHeader + "rule R-1 for 1  # the rule\n  require ended  # the clause\n"},
      {"a comment on its own line goes before what followed it, indented as that",
       kHeader + "rule R-1 for 1\n# why\n    require ended\n", kHeader + "rule R-1 for 1\n  # why\n  require ended\n"},
      {"a comment inside an expression ends the clause's line",
       kHeader + "rule R-1 for 1\n  require started and\n    # note\n    ended\n",
       kHeader + "rule R-1 for 1\n  require started and ended  # note\n"},
      {"blank lines around top-level comments are kept",
       kHeader + "flag p\n\n# about q\n\nflag q\n# about r\nflag r\n",
       kHeader + "flag p\n\n# about q\n\nflag q\n# about r\nflag r\n"},
      {"comments before the header and at the end",
       "\n\n# first\n\n# second\nagreement x \"t\"\n\n# last\n\n\n",
       "# first\n\n# second\nagreement x \"t\"\n\n# last\n"},
  };
  for (const Row& row : rows) {
    INFO(row.what << "\n" << row.input);
    const std::string out = layout(row.input);
    CHECK(out == row.expected);
    CHECK(tree(out) == tree(row.input));
    CHECK(layout(out) == out);
  }
}

TEST_CASE("agr fmt: tests/format/layout.agr becomes layout.formatted.agr", "[format]") {
  const std::string input = read("tests/format/layout.agr");
  const std::string expected = read("tests/format/layout.formatted.agr");
  CHECK(layout(input) == expected);
  check_promises(input);
  CHECK(layout(expected) == expected);
}

TEST_CASE("agr fmt: every bundled agreement keeps its tree and is stable", "[format]") {
  for (const char* name : {"lbp", "ste", "pathway-midtjylland", "pathway-nordjylland"}) {
    INFO(name);
    check_promises(read(std::string("agreements/") + name + ".agr"));
  }
}

TEST_CASE("agr fmt: every example of docs/language.md keeps its tree and is stable", "[format]") {
  std::istringstream manual(read("docs/language.md"));
  std::string text, block;
  bool inside = false;
  size_t examples = 0;
  for (std::string line; std::getline(manual, line);) {
    if (!inside && line == "```agr") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      // A fragment is given a header of its own; it only has to parse.
      const bool whole = block.find("\nagreement ") != std::string::npos || block.rfind("agreement ", 0) == 0;
      INFO("example:\n" << block);
      check_promises(whole ? block : "agreement manual \"Manual\"\n" + block);
      ++examples;
    } else if (inside) {
      block += line + "\n";
    }
  }
  CHECK(examples >= 30);
}

TEST_CASE("agr fmt: a file that does not parse is not laid out", "[format]") {
  agr::SourceFile file{"t.agr", kHeader + "rule R-1 for 1 requre ended\n"};
  agr::Diagnostics diags;
  std::string out;
  CHECK_FALSE(agr::format_source(file, diags, &out));
  CHECK(diags.has_errors());
}
