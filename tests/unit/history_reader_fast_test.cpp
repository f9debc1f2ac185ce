// The fast history reader (simdjson On Demand) against the DOM reader: it may decline any line,
// but a line it takes must be one the DOM reader reads, to the same values. The lines are valid
// histories and every one-byte change of them (deleted, replaced by a byte that matters to JSON,
// or inserted), which is where a parser that skips what it does not read would let something by.
#include <catch2/catch.hpp>

#include "agr/agr.h"
#include "bundled.h"
#include "history_reader.h"
#include "scratch.h"

namespace {

struct Outcome {
  bool fast = false, dom = false;
  std::string difference;
};

Outcome read_both(const agr::Agreement& agreement, std::string_view line) {
  static agr::Evaluator::Scratch fast_scratch, dom_scratch;
  std::string padded(line);
  padded.append(agr::kLinePadding, '\0');
  Outcome o;
  o.fast = agr::read_history_fast(fast_scratch, std::string_view(padded.data(), line.size()), agreement.program(),
                                  agreement.index());
  std::string error;
  o.dom = agr::read_history_json(dom_scratch, agreement.program(), agreement.index(), line, &error);
  if (o.fast && o.dom) o.difference = agr::compare_prepared(fast_scratch.history, dom_scratch.history);
  return o;
}

const char* const kLines[] = {
    R"({"id":"c1","referral_date":"2025-09-01","clinic":"K1","events":[{"id":"e1","date":"2025-09-01","code":"0261"},{"id":"e2","date":"2025-09-03","code":"0266","clinic":"K2"},{"id":"e3","date":"2025-09-03","code":"9999"}]})",
    R"({"agreement":"lbp","events":[{"code":"0263","date":"2025-10-01","id":"x"},{"flags":[],"id":"y","date":"2025-10-02","code":"0266"}],"id":"c2","referral_date":"2025-09-30"})",
    " \t{\"id\":\"c3\",\"referral_date\":\"2025-09-01\",\"events\":[]} \r",
    R"({"id":"c\u00e6\n","referral_date":"2025-09-01","events":[{"id":"\"q\"","date":"2025-09-01","code":"0261","clinic":"\u004b"}]})",
};

}  // namespace

TEST_CASE("the fast reader takes a plain history and reads it as the DOM reader does", "[reader][fast]") {
  const auto agreement = agr::testing::bundled_agreement("lbp");
  for (const char* line : kLines) {
    INFO(line);
    const Outcome o = read_both(*agreement, line);
    CHECK(o.fast);
    CHECK(o.dom);
    CHECK(o.difference == "");
  }
}

TEST_CASE("the fast reader declines what it does not read itself", "[reader][fast]") {
  const auto agreement = agr::testing::bundled_agreement("lbp");
  const char* const declined[] = {
      R"({"id":"c","referral_date":"2025-09-01","events":[],"note":1})",           // a key outside the contract
      R"({"id":"c","referral_date":"2025-09-01","events":[],"id":"d"})",           // a key written twice
      R"({"i\u0064":"c","referral_date":"2025-09-01","events":[]})",               // an escaped key
      R"({"id":"c","referral_date":"2025-09-01","events":[]} {"id":"d"})",         // a second value
      R"({"id":"c","referral_date":"2025-09-01","events":[]}})",                   // a stray brace
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0261","flags":["nope"]}]})",
      R"({"id":"c","agreement":"ste","referral_date":"2025-09-01","events":[]})",  // another agreement
      R"({"id":"c","events":[]})",                                                  // no referral date
  };
  for (const char* line : declined) {
    INFO(line);
    CHECK_FALSE(read_both(*agreement, line).fast);
  }
}

TEST_CASE("no one-byte change of a history makes the fast reader take what the DOM reader refuses", "[reader][fast]") {
  const auto agreement = agr::testing::bundled_agreement("lbp");
  const std::string bytes = std::string("\"{}[],:\\ 0a") + '\0' + "\x80\x1f";
  size_t taken = 0, checked = 0;
  for (const char* seed : kLines) {
    const std::string line(seed);
    std::vector<std::string> variants;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i < line.size()) variants.push_back(line.substr(0, i) + line.substr(i + 1));
      for (char c : bytes) {
        if (i < line.size()) variants.push_back(line.substr(0, i) + c + line.substr(i + 1));
        variants.push_back(line.substr(0, i) + c + line.substr(i));
      }
    }
    for (const std::string& v : variants) {
      const Outcome o = read_both(*agreement, v);
      ++checked;
      if (!o.fast) continue;
      ++taken;
      INFO(v);
      REQUIRE(o.dom);
      REQUIRE(o.difference == "");
    }
  }
  CHECK(checked > 10000);
  CHECK(taken > 100);  // the sweep does reach the fast reader's acceptance
}

TEST_CASE("the fast reader's dates: each month's own length, leap years, the day digits", "[reader][fast]") {
  const auto agreement = agr::testing::bundled_agreement("lbp");
  auto line = [](const char* first, const char* second) {
    return std::string(R"({"id":"c","referral_date":"2024-01-01","events":[{"id":"a","date":")") + first +
           R"(","code":"0261"},{"id":"b","date":")" + second + R"(","code":"0263"}]})";
  };
  const struct {
    const char *first, *second;
    bool valid;
  } rows[] = {
      {"2024-02-01", "2024-02-29", true},  {"2025-02-01", "2025-02-29", false}, {"2025-02-01", "2025-02-28", true},
      {"2000-02-01", "2000-02-29", true},  {"1900-02-01", "1900-02-29", false}, {"2025-04-01", "2025-04-31", false},
      {"2025-04-30", "2025-04-30", true},  {"2025-01-31", "2025-01-00", false}, {"2025-01-31", "2025-01-3a", false},
      {"2025-01-31", "2025-01-/1", false}, {"2025-12-31", "2025-12-31", true},  {"9999-12-01", "9999-12-31", true},
  };
  for (const auto& row : rows) {
    const std::string text = line(row.first, row.second);
    INFO(text);
    const Outcome o = read_both(*agreement, text);
    CHECK(o.dom == row.valid);
    CHECK(o.fast == row.valid);
    CHECK(o.difference == "");
  }
}
