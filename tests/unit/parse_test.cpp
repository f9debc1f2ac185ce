// Parser tests: each row is a source, and either a piece of its AST print or the diagnostic it
// must produce (message and line:col as rendered).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ast.h"
#include "diagnostics.h"
#include "parse.h"

namespace {

const std::string kHeader = "agreement x \"t\"\n";

struct Parsed {
  std::string ast;       // ast::print, empty when parsing failed
  std::string rendered;  // every diagnostic, rendered
  size_t errors = 0;
  bool ok = false;
};

Parsed parse(const std::string& text) {
  agr::SourceFile file{"test.agr", text};
  agr::Diagnostics diags;
  auto agreement = agr::parse_agreement(file, diags);
  Parsed out;
  out.ok = agreement != nullptr;
  if (agreement) out.ast = agr::ast::print(*agreement);
  out.rendered = diags.render(file);
  out.errors = diags.error_count();
  return out;
}

// The rendered line for an error at `at` ("line:col") that contains `message`.
bool has_error(const std::string& rendered, const std::string& at, const std::string& message) {
  const std::string prefix = "test.agr:" + at + ": error: ";
  size_t pos = 0;
  while ((pos = rendered.find(prefix, pos)) != std::string::npos) {
    const size_t end = rendered.find('\n', pos);
    if (rendered.substr(pos, end - pos).find(message) != std::string::npos) return true;
    pos = end;
  }
  return false;
}

struct AstRow {
  const char* what;
  std::string input;
  std::string expected;  // a substring of ast::print
};

struct ErrorRow {
  const char* what;
  std::string input;
  std::string message;  // a substring of the message
  std::string at;       // "line:col"
};

}  // namespace

TEST_CASE("well-formed sources print as the expected AST", "[parse]") {
  const std::vector<AstRow> rows = {
      {"minimal header", "agreement lbp \"Struktureret forløb\"\n", "(agreement lbp \"Struktureret forløb\")\n"},
      {"header clauses",
       "agreement lbp \"T\"\n  source \"001.txt\"\n  source \"002.txt\"\n  referral required\n",
       "(agreement lbp \"T\" (source \"001.txt\") (source \"002.txt\") referral-required)"},
      {"price level with fees in øre and a variant",
       kHeader + "price level 2024-10-01 \"Bilag 1\"\n  0261 fee 327.12 subsidy 128.56 patient 198.56\n"
                 "  0263 flagged video fee 200.00 subsidy 80.00 patient 120.00\n",
       "(price-level 2024-10-01 \"Bilag 1\" (0261 fee 32712 12856 19856) (0263 flagged video fee 20000 8000 12000))"},
      {"before the first price level", kHeader + "before first price level reject by LBP-15\n",
       "(before-first-price-level (reject-by LBP-15))"},
      {"no fee before the first price level", kHeader + "before first price level no fee\n",
       "(before-first-price-level no-fee)"},
      {"service without fee", kHeader + "service 0110 \"Førstekonsultation\"\n", "(service 0110 \"Førstekonsultation\")"},
      {"supplement", kHeader + "supplement 2001 \"Afstandstillæg\"\n", "(supplement 2001 \"Afstandstillæg\")"},
      {"flag with and without description", kHeader + "flag video \"Video\"\nflag other\n",
       "(flag video \"Video\")\n(flag other)\n"},
      {"group keeps leading zeros", kHeader + "group initial = 0261, 0262, K1\n", "(group initial 0261 0262 K1)"},
      {"course", kHeader + "course starts with initial, 0110 except 0111 ends with 0267\n",
       "(course (starts initial 0110 except 0111) (ends 0267))"},
      {"same day block", kHeader + "same day\n  allow 0110 + 0262, 0261 + 0263\n  count 0110 as 0262 on a day with 0262\n",
       "(same-day (allow 0110 0262) (allow 0261 0263) (count 0110 as 0262 with 0262))"},
      {"rule with clauses",
       kHeader + "rule LBP-1 for 0262\n  when started\n  require count(0110 today) >= 1\n  reject if flagged video\n"
                 "  message \"m\"\n  source \"s\"\n",
       "(rule LBP-1 (for 0262) (when started) (require (>= (count 0110 today) 1)) (reject-if (flagged video)) "
       "(message \"m\") (source \"s\"))"},
      {"warning", kHeader + "warning LBP-12 for 0267, 0268\n  warn if count(0264) < 12 or count(0264) > 16\n",
       "(warning LBP-12 (for 0267 0268) (warn-if (or (< (count 0264) 12) (> (count 0264) 16))))"},
      {"rule for every service but one", kHeader + "rule R-1 for services except 0110 reject if combinable today\n",
       "(rule R-1 (for services except 0110) (reject-if combinable-today))"},
      {"due with window", kHeader + "due STE-9 0254\n  when started and count(0254) = 0\n  window start + 4 weeks ± 5 working days\n",
       "(due STE-9 0254 (when (and started (= (count 0254) 0))) (window (± (+ start 4 weeks) 5 working days)))"},
      {"window with +-", kHeader + "due S-1 0254 window start +- 1 working day\n", "(window (± start 1 working day))"},
      {"due with earliest, target, latest",
       kHeader + "due LBP-14 0268\n  when ended\n  earliest end + 3 months\n"
                 "  target if count(0268) = 0 then end + 3 months else end + 9 months\n  latest referral + 1 year\n"
                 "  message \"m\"\n",
       "(due LBP-14 0268 (when ended) (earliest (+ end 3 months)) (target (if (= (count 0268) 0) (+ end 3 months) "
       "(+ end 9 months))) (latest (+ referral 1 year)) (message \"m\"))"},
      {"precedence: + binds tighter than otherwise, then comparison, not, and",
       kHeader + "define z = x + 2 days otherwise y < w and not v\n",
       "(define z (and (< (otherwise (+ x 2 days) y) w) (not v)))"},
      {"precedence: and binds tighter than or", kHeader + "define z = p or q and r\n", "(define z (or p (and q r)))"},
      {"not applies to a whole comparison", kHeader + "define z = not count(0110) < 2\n",
       "(define z (not (< (count 0110) 2)))"},
      {"subtraction is left-associative", kHeader + "define z = date - 1 week - 2 days\n",
       "(define z (- (- date 1 week) 2 days))"},
      {"parentheses override precedence", kHeader + "define z = (p or q) and r\n", "(define z (and (or p q) r))"},
      {"in window and not in window",
       kHeader + "define z = date in start .. (end otherwise start + 3 months) and date not in 2025-01-01 .. end\n",
       "(define z (and (in date (.. start (otherwise end (+ start 3 months)))) (not-in date (.. 2025-01-01 end))))"},
      {"count filters", kHeader + "define z = count(0266, 0267 except 0268 today in start .. end flagged video)\n",
       "(define z (count (0266 0267 except 0268) today (in (.. start end)) (flagged video)))"},
      {"first, last, clinic of last", kHeader + "define z = first (0110, 0111) < last 0110 and clinic of last g = clinic\n",
       "(define z (and (< (first (0110 0111)) (last 0110)) (= (clinic-of-last g) clinic)))"},
      {"comparison operators", kHeader + "define z = 1 != 2 and 1 <= 2 and 1 > 2\n",
       "(define z (and (and (!= 1 2) (<= 1 2)) (> 1 2)))"},
      {"durations", kHeader + "define z = 1 day + 2 weeks + 1 month + 3 years\n",
       "(define z (+ (+ (+ 1 day 2 weeks) 1 month) 3 years))"},
      {"text: concatenation, escapes, whitespace collapsed",
       "agreement x \"  one\n     two\\t\\\"q\\\" \\\\ \" \"three  \"\n", "(agreement x \"one two\\t\\\"q\\\" \\\\ three\")"},
      {"comments are ignored", "# a comment\nagreement x \"t\" # another\nflag f # \"not a string\n",
       "(agreement x \"t\")\n(flag f)\n"},
      {"64 levels of parentheses are allowed",
       kHeader + "define z = " + [] {
         std::string s;
         for (int i = 0; i < 64; ++i) s += "(not 1 < ";
         s += "2";
         for (int i = 0; i < 64; ++i) s += ")";
         return s;
       }() + "\n",
       "(define z (not (< 1 (not (< 1 "},
      {"a byte order mark is ignored", "\xEF\xBB\xBF" "agreement x \"t\"\n", "(agreement x \"t\")"},
  };
  for (const AstRow& row : rows) {
    INFO(row.what << "\n" << row.input);
    const Parsed parsed = parse(row.input);
    INFO(parsed.rendered);
    REQUIRE(parsed.ok);
    CHECK(parsed.errors == 0);
    CHECK_THAT(parsed.ast, Catch::Matchers::Contains(row.expected));
  }
}

TEST_CASE("malformed sources give one diagnostic at the right place", "[parse]") {
  const std::vector<ErrorRow> rows = {
      {"missing keyword", kHeader + "course starts initial ends with 0267\n", "missing 'with' before 'initial'", "2:15"},
      {"unexpected character", kHeader + "rule A-1 for 0110\n  require count(0110) < 1 @\n",
       "unexpected character '@'", "3:27"},
      {"unterminated string", kHeader + "flag f \"abc\nflag g\n", "unterminated string", "2:8"},
      {"deep nesting refused", kHeader + "define x = " + std::string(1000, '(') + "1" + std::string(1000, ')') + "\n",
       "nested too deeply", "2:76"},
      {"invalid UTF-8", kHeader + "flag f \"a\"\nflag g \"b\xff\"\n", "invalid UTF-8 in the source", "3:10"},
      {"truncated UTF-8 sequence", kHeader + "flag f \"\xC3", "invalid UTF-8 in the source", "2:9"},
      {"invalid date", kHeader + "define d = 2025-02-30\n", "invalid date", "2:12"},
      {"invalid price level", kHeader + "price level 2023-13-01\n  0261 fee 1.00 subsidy 1.00 patient 0.00\n",
       "invalid date", "2:13"},
      {"the header's old price level", "agreement x \"t\"\n  price level 2024-10-01\n  referral required\n",
       "the price level is no longer a header clause", "2:3"},
      {"a fee on the service's line", kHeader + "service 0261 \"x\" fee 1.00 subsidy 1.00 patient 0.00\n",
       "the fee of 0261 belongs in a price level's fee table", "2:18"},
      {"number too large", kHeader + "define n = 99999999999999999999\n", "number too large", "2:12"},
      {"amount too large", kHeader + "price level 2025-01-01\n  1 fee 1234567890123456.00 subsidy 1.00 patient 1.00\n",
       "amount too large", "3:9"},
      {"second course", kHeader + "course starts with 1 ends with 2\n\ncourse starts with 3 ends with 4\n",
       "the course is already declared at line 2", "4:1"},
      {"second message in a rule", kHeader + "rule A-1 for 0110\n  reject if started\n  message \"a\"\n  message \"b\"\n",
       "already has a message at line 4", "5:3"},
      {"second source in a rule", kHeader + "rule A-1 for 0110 reject if started source \"a\" source \"b\"\n",
       "already has a source", "2:48"},
      {"second latest in a due item", kHeader + "due D-1 0110 latest start latest end\n", "already has 'latest'", "2:27"},
      {"window beside earliest", kHeader + "due D-1 0110 earliest start window start ± 1 day\n",
       "'window' gives earliest, target and latest at once", "2:29"},
      {"misspelt keyword", kHeader + "rule A-1 for 0110\n  requir started\n", "unexpected 'requir'", "3:3"},
      {"keyword used as a name", kHeader + "define a = 1\n", "unexpected 'a'; expected a name", "2:8"},
      {"missing header", "flag f\n", "unexpected 'flag'; expected 'agreement'", "1:1"},
      {"empty file", "", "unexpected end of file; expected 'agreement'", "1:1"},
      {"end of file inside an expression", kHeader + "define y = 1 +\n", "unexpected end of file; expected an expression",
       "2:15"},
      {"unclosed parenthesis", kHeader + "rule A-1 for 0110 require (1 < 2\n", "missing ')' before end of file", "2:33"},
      {"a clause the declaration lacks", kHeader + "rule A-1 for 0110\nflag f\n", "unexpected 'flag'", "3:1"},
  };
  for (const ErrorRow& row : rows) {
    INFO(row.what << "\n" << row.input.substr(0, 200));
    const Parsed parsed = parse(row.input);
    INFO(parsed.rendered.substr(0, 2000));
    CHECK_FALSE(parsed.ok);
    CHECK(parsed.errors >= 1);
    CHECK(has_error(parsed.rendered, row.at, row.message));
  }
}

TEST_CASE("several syntax errors are reported in one run", "[parse]") {
  const std::string source = kHeader +
                             "rule A-1 for 0110\n"
                             "  require count(0110) < \n"  // the expression stops short
                             "rule B-1 for 0111 reject if started @\n"
                             "course starts 0110 ends with 0267\n"
                             "flag f \"ok\"\n";
  const Parsed parsed = parse(source);
  INFO(parsed.rendered);
  CHECK_FALSE(parsed.ok);
  CHECK(parsed.errors == 3);
  CHECK(has_error(parsed.rendered, "4:1", "unexpected 'rule'; expected an expression"));
  CHECK(has_error(parsed.rendered, "4:37", "unexpected character '@'"));
  CHECK(has_error(parsed.rendered, "5:15", "missing 'with' before '0110'"));
}

TEST_CASE("errors stop at the limit", "[parse]") {
  std::string source = kHeader;
  for (int i = 0; i < 200; ++i) source += "flag f @\n";
  const Parsed parsed = parse(source);
  CHECK_FALSE(parsed.ok);
  CHECK(parsed.errors == agr::Diagnostics::kMaxErrors + 1);
  CHECK_THAT(parsed.rendered, Catch::Matchers::Contains("error: too many errors; stopping"));
}

TEST_CASE("input that must not crash the parser", "[parse]") {
  const std::vector<std::string> inputs = {
      std::string("agreement x \"t\"\0\0\0", 18),
      kHeader + "define x = " + std::string(100000, '(') + "\n",
      kHeader + "define x = " + [] {
        std::string s;
        for (int i = 0; i < 20000; ++i) s += "not ";
        return s;
      }() + "1\n",
      kHeader + "define x = 1" + [] {
        std::string s;
        for (int i = 0; i < 20000; ++i) s += " + 1";
        return s;
      }() + "\n",
      kHeader + "\"" + [] {
        std::string s;
        for (int i = 0; i < 20000; ++i) s += "\\\"";
        return s;
      }(),
      kHeader + std::string(50000, ')'),
      std::string("\xED\xA0\x80"),  // an encoded surrogate
      std::string("\xF4\x90\x80\x80"),  // past U+10FFFF
  };
  for (const std::string& input : inputs) {
    const Parsed parsed = parse(input);
    CHECK_FALSE(parsed.ok);
    CHECK(parsed.errors >= 1);
  }
  const Parsed too_large = parse(std::string(agr::kMaxSourceBytes + 1, ' '));
  CHECK_FALSE(too_large.ok);
  CHECK(has_error(too_large.rendered, "1:1", "too large"));
}

TEST_CASE("nodes carry byte spans", "[parse]") {
  agr::SourceFile file{"test.agr", kHeader + "define z = count(0110) + 1\nflag f \"x\"\n"};
  agr::Diagnostics diags;
  auto agreement = agr::parse_agreement(file, diags);
  REQUIRE(agreement != nullptr);
  const agr::Span body = agreement->defines.at(0)->body->span;
  CHECK(file.text.substr(body.begin, body.end - body.begin) == "count(0110) + 1");
  const agr::Span left = agreement->defines.at(0)->body->a->span;
  CHECK(file.text.substr(left.begin, left.end - left.begin) == "count(0110)");
  CHECK(agreement->header.title.value == "t");
  CHECK(file.text.substr(agreement->header.title.span.begin, 3) == "\"t\"");
}

TEST_CASE("spans after multi-byte characters are byte offsets", "[parse]") {
  const Parsed parsed = parse("agreement x \"æøå\" flag f \"ÆØÅ\" @\n");
  CHECK(has_error(parsed.rendered, "1:32", "unexpected character '@'"));
  agr::SourceFile file{"test.agr", "agreement x \"æøå\"\nflag f \"ÆØÅ\"\n"};
  agr::Diagnostics diags;
  auto agreement = agr::parse_agreement(file, diags);
  REQUIRE(agreement != nullptr);
  const agr::Span span = agreement->flags.at(0).description.span;
  CHECK(file.text.substr(span.begin, span.end - span.begin) == "\"ÆØÅ\"");
}

TEST_CASE("diagnostics render with a caret under the span", "[parse]") {
  agr::SourceFile file{"f.agr", "line one\n\tx = æbc + 1\r\nlast"};
  agr::Diagnostics diags;
  const uint32_t at = static_cast<uint32_t>(file.text.find("æbc"));
  diags.error({at, at + 4}, "no such name", "did you mean 'abc'?");
  diags.warning({0, 4}, "first");
  CHECK(file.position_of(at).line == 2);
  CHECK(file.position_of(at).column == 6);
  CHECK(file.line_text(2) == "\tx = æbc + 1");
  CHECK(file.line_text(3) == "last");
  CHECK(diags.render(file) ==
        "f.agr:1:1: warning: first\nline one\n^~~~\n"
        "f.agr:2:6: error: no such name\n\tx = æbc + 1\n\t    ^~~\n  hint: did you mean 'abc'?\n");
}

TEST_CASE("diagnostics render as JSON in source order", "[parse]") {
  agr::SourceFile file{"dir/f\"x.agr", "line one\n\tx = æbc + 1\r\nlast"};
  agr::Diagnostics diags;
  const uint32_t at = static_cast<uint32_t>(file.text.find("æbc"));
  diags.error({at, at + 4}, "no such name", "did you mean 'abc'?");
  diags.warning({0, 4}, "first");
  CHECK(diags.render_json(file) ==
        "{\"file\":\"dir/f\\\"x.agr\",\"errors\":1,\"warnings\":1,\"diagnostics\":["
        "{\"severity\":\"warning\",\"line\":1,\"column\":1,\"end_line\":1,\"end_column\":5,\"offset\":0,"
        "\"length\":4,\"message\":\"first\"},"
        "{\"severity\":\"error\",\"line\":2,\"column\":6,\"end_line\":2,\"end_column\":9,\"offset\":14,"
        "\"length\":4,\"message\":\"no such name\",\"hint\":\"did you mean 'abc'?\"}]}");
  agr::Diagnostics none;
  CHECK(none.render_json(file) == "{\"file\":\"dir/f\\\"x.agr\",\"errors\":0,\"warnings\":0,\"diagnostics\":[]}");
}

TEST_CASE("closest_match suggests only near names", "[parse]") {
  CHECK(agr::closest_match("requir", {"when", "require", "reject"}) == "require");
  CHECK(agr::closest_match("VIDEO", {"audio", "video"}) == "video");
  CHECK(agr::closest_match("xyz", {"when", "require"}).empty());
  CHECK(agr::closest_match("ab", {"ax", "zz"}) == "ax");
}
