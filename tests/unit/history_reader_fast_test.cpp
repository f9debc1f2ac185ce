// The fast history reader (simdjson On Demand) against the DOM reader: it may decline any line,
// but a line it takes must be one the DOM reader reads, to the same values. The lines are valid
// histories and every one-byte change of them (deleted, replaced by a byte that matters to JSON,
// or inserted), which is where a parser that skips what it does not read would let something by.
#include <catch2/catch.hpp>

#include <cstring>

#include "agr/agr.h"
#include "bundled.h"
#include "driver.h"
#include "history_reader.h"
#include "scratch.h"

namespace {

struct Outcome {
  bool fast = false, dom = false;
  bool plain = false;  // the fast reader's first reader (one pass over the bytes) took it alone
  std::string difference;
};

// The fast reader (against the set, and against its one program when it has one) and the DOM
// reader on one line: when the fast one takes it, the DOM one must read it, against the same
// agreement, to the same values. The same for the plain reader alone.
Outcome read_both(const agr::AgreementSet& set, std::string_view line) {
  static agr::Evaluator::Scratch fast_scratch, dom_scratch, plain_scratch;
  std::string padded(line);
  padded.append(agr::kLinePadding, '\0');
  const std::string_view text(padded.data(), line.size());
  Outcome o;
  bool by_program = false;
  if (set.agreements().size() == 1) {
    const agr::Agreement& only = *set.agreements().front();
    by_program = agr::read_history_fast(fast_scratch, text, only.program(), only.index());
  }
  const agr::Agreement* fast = agr::read_history_fast(fast_scratch, text, set);
  if (set.agreements().size() == 1 && by_program != (fast != nullptr))
    o.difference = "the readers against the set and against the program disagree";
  std::string error;
  const agr::Agreement* dom = agr::read_history_json(dom_scratch, set, line, &error);
  o.fast = fast != nullptr;
  o.dom = dom != nullptr;
  if (fast && dom && o.difference.empty())
    o.difference = fast != dom ? "another agreement" : agr::compare_prepared(fast_scratch.history, dom_scratch.history);
  bool plain_by_program = false;
  if (set.agreements().size() == 1) {
    const agr::Agreement& only = *set.agreements().front();
    plain_by_program = agr::read_history_plain(plain_scratch, text, only.program(), only.index());
  }
  const agr::Agreement* plain = agr::read_history_plain(plain_scratch, text, set);
  o.plain = plain != nullptr;
  if (set.agreements().size() == 1 && plain_by_program != o.plain && o.difference.empty())
    o.difference = "the plain readers against the set and against the program disagree";
  if (plain && !fast && o.difference.empty()) o.difference = "the plain reader takes a line the fast reader declines";
  if (plain && !dom && o.difference.empty()) o.difference = "the plain reader takes a line the DOM reader refuses";
  if (plain && dom && o.difference.empty())
    o.difference = plain != dom ? "another agreement (plain)" : agr::compare_prepared(plain_scratch.history, dom_scratch.history);
  return o;
}

const agr::AgreementSet& lbp() {
  static const auto set = agr::AgreementSet::of(agr::testing::bundled_agreement("lbp"));
  return *set;
}

// An agreement with a fact of each type and a flag, compiled here (no bundled agreement has facts).
std::shared_ptr<const agr::Agreement> facts_agreement() {
  static const std::shared_ptr<const agr::Agreement> loaded = [] {
    agr::SourceFile file{"fx.agr", R"(agreement fx "Facts"
flag home "At the patient's home."
fact birth_date date required "The patient's date of birth."
fact diagnosis code "The referral's diagnosis (SKS)."
fact earlier_course boolean "An earlier course for the same problem."
fact sessions integer "Sessions already given elsewhere."
fact region string
service 0301 "Indledende konsultation"
rule F-1 for 0301
  require years since birth_date >= 16
  message "From the age of 16." source "s"
)"};
    return agr::testing::compiled_agreement(file);
  }();
  return loaded;
}

const agr::AgreementSet& facts_only() {
  static const auto set = agr::AgreementSet::of(facts_agreement());
  return *set;
}

// Three agreements: the history's `agreement` chooses, wherever it stands.
const agr::AgreementSet& several() {
  static const auto set = [] {
    std::string error;
    auto made = agr::AgreementSet::make(
        {agr::testing::bundled_agreement("lbp"), agr::testing::bundled_agreement("ste"), facts_agreement()}, &error);
    INFO(error);
    REQUIRE(made);
    return made;
  }();
  return *set;
}

const char* const kLines[] = {
    R"({"id":"c1","referral_date":"2025-09-01","clinic":"K1","events":[{"id":"e1","date":"2025-09-01","code":"0261"},{"id":"e2","date":"2025-09-03","code":"0266","clinic":"K2"},{"id":"e3","date":"2025-09-03","code":"9999"}]})",
    R"({"agreement":"lbp","events":[{"code":"0263","date":"2025-10-01","id":"x"},{"flags":[],"id":"y","date":"2025-10-02","code":"0266"}],"id":"c2","referral_date":"2025-09-30"})",
    " \t{\"id\":\"c3\",\"referral_date\":\"2025-09-01\",\"events\":[]} \r",
    R"({"id":"c\u00e6\n","referral_date":"2025-09-01","events":[{"id":"\"q\"","date":"2025-09-01","code":"0261","clinic":"\u004b"}]})",
};

// Histories with facts, for facts_only() (and several(), where they name fx).
const char* const kFactLines[] = {
    R"({"id":"f1","agreement":"fx","facts":{"birth_date":"1960-02-29","diagnosis":"DM17.1","earlier_course":false,"sessions":12,"region":"Syd"},"events":[{"id":"e1","date":"2025-03-03","code":"0301","flags":["home"]}]})",
    R"({"events":[{"id":"e1","date":"2025-03-03","code":"0301"}],"facts":{"sessions":-4,"birth_date":"2001-12-31","earlier_course":true},"id":"f2","agreement":"fx"})",
    R"({"id":"f3","facts":{"region":"N\u00f8rre \"S\"","birth_date":"1990-01-01","sessions":0},"events":[],"agreement":"fx"})",
};

// Histories for several(): the agreement named first, last, and between events and facts.
const char* const kSetLines[] = {
    R"({"agreement":"ste","id":"s1","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"0251","flags":["questionnaire"]},{"id":"e2","date":"2025-09-08","code":"0256"}]})",
    R"({"id":"s2","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-01","code":"0261","flags":["video"]},{"id":"e2","date":"2025-09-03","code":"0256"}],"agreement":"lbp"})",
    R"({"id":"s3","events":[{"id":"e1","date":"2025-03-03","code":"0301","flags":["home"]}],"agreement":"fx","facts":{"birth_date":"1970-05-05"}})",
};

// Every one-byte change of each line (deleted, replaced by a byte that matters to JSON, or
// inserted): the fast reader may decline any, but one it takes the DOM reader must read alike.
// Returns how many it took (and, in *plain, how many of those the plain reader took alone).
size_t sweep(const agr::AgreementSet& set, const std::vector<std::string>& lines, size_t* plain = nullptr) {
  const std::string bytes = std::string("\"{}[],:\\ 0a-t") + '\0' + "\x80\x1f";
  size_t taken = 0, checked = 0, taken_plain = 0;
  for (const std::string& line : lines) {
    std::vector<std::string> variants;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i < line.size()) variants.push_back(line.substr(0, i) + line.substr(i + 1));
      for (char c : bytes) {
        if (i < line.size()) variants.push_back(line.substr(0, i) + c + line.substr(i + 1));
        variants.push_back(line.substr(0, i) + c + line.substr(i));
      }
    }
    for (const std::string& v : variants) {
      const Outcome o = read_both(set, v);
      ++checked;
      INFO(v);
      REQUIRE(o.difference == "");
      if (!o.fast) continue;
      ++taken;
      REQUIRE(o.dom);
      if (o.plain) ++taken_plain;
    }
  }
  CHECK(checked > 1000 * lines.size());
  if (plain) *plain = taken_plain;
  return taken;
}

}  // namespace

TEST_CASE("the fast reader takes a plain history and reads it as the DOM reader does", "[reader][fast]") {
  for (const char* line : kLines) {
    INFO(line);
    const Outcome o = read_both(lbp(), line);
    CHECK(o.fast);
    CHECK(o.dom);
    CHECK(o.difference == "");
  }
}

TEST_CASE("the fast reader declines what it does not read itself", "[reader][fast]") {
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
    CHECK_FALSE(read_both(lbp(), line).fast);
  }
}

TEST_CASE("no one-byte change of a history makes the fast reader take what the DOM reader refuses", "[reader][fast]") {
  size_t plain = 0;
  CHECK(sweep(lbp(), {std::begin(kLines), std::end(kLines)}, &plain) > 100);  // the sweep reaches the fast reader's acceptance
  CHECK(plain > 100);                                                          // and the plain reader's
}

TEST_CASE("the fast readers read nothing past the line's end, whatever the padding holds", "[reader][fast]") {
  // Each strict prefix of a history, with the rest of the history (and more) in the padding after
  // it: what lies after the end must not complete a string, an object or the line.
  for (const char* line : {kLines[0], kLines[1]}) {
    const std::string whole = std::string(line) + std::string(agr::kLinePadding, '"');
    static agr::Evaluator::Scratch scratch;
    for (size_t cut = 0; cut < std::strlen(line); ++cut) {
      const std::string_view prefix(whole.data(), cut);
      INFO(prefix);
      CHECK_FALSE(agr::read_history_plain(scratch, prefix, lbp()));
      CHECK_FALSE(agr::read_history_fast(scratch, prefix, lbp()));
    }
  }
}

TEST_CASE("the plain reader takes plain histories, whitespace and UTF-8 included, and leaves the rest to On Demand",
          "[reader][fast]") {
  const char* const taken[] = {
      kLines[0], kLines[1], kLines[2],
      " { \"id\" : \"c\" ,\t\"events\" : [ { \"id\" : \"e\" , \"date\" : \"2025-09-01\" , \"code\" : \"0261\" , \"flags\" : [ ] } ] , "
      "\"referral_date\" : \"2025-09-01\" } ",
      "{\"id\":\"K\xc3\xb8ge \xe2\x82\xac\",\"clinic\":\"\xc3\x86r\xc3\xb8\",\"referral_date\":\"2025-09-01\",\"events\":[{\"id\":\"\xf0\x9f\x98\x80\","
      "\"date\":\"2025-09-01\",\"code\":\"0261\",\"clinic\":\"\xc3\xa6\"}]}",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"code":"0261","clinic":"K","date":"2025-09-01","id":"a","flags":["video"]}]})",
  };
  for (const char* line : taken) {
    INFO(line);
    const Outcome o = read_both(lbp(), line);
    CHECK(o.plain);
    CHECK(o.dom);
    CHECK(o.difference == "");
  }
  const char* const left[] = {
      kLines[3],                                                                    // escapes
      "{\"id\":\"c\xc3\",\"referral_date\":\"2025-09-01\",\"events\":[]}",          // not UTF-8: the DOM reader's error
      "{\"id\":\"c\xed\xa0\x80\",\"referral_date\":\"2025-09-01\",\"events\":[]}",  // a surrogate
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01 ","code":"0261"}]})",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0261"},]})",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0261","":1}]})",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0261","flags":["video",]}]})",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0261","flags":"video"}]})",
      R"({"id":"c","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","date":"2025-09-01","code":"0261"}]})",
  };
  for (const char* line : left) {
    INFO(line);
    const Outcome o = read_both(lbp(), line);
    CHECK_FALSE(o.plain);
    CHECK(o.difference == "");
  }
  for (const char* line : kSetLines) {  // several agreements: the plain reader chooses as On Demand does
    INFO(line);
    const Outcome o = read_both(several(), line);
    CHECK(o.plain == (std::string_view(line).find("\"agreement\"") < std::string_view(line).find("\"events\"")));
    CHECK(o.difference == "");
  }
}

TEST_CASE("the fast reader's dates: each month's own length, leap years, the day digits", "[reader][fast]") {
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
    const Outcome o = read_both(lbp(), text);
    CHECK(o.dom == row.valid);
    CHECK(o.fast == row.valid);
    CHECK(o.difference == "");
  }
}

TEST_CASE("the fast reader reads facts as the DOM reader does", "[reader][fast][facts]") {
  for (const agr::AgreementSet* set : {&facts_only(), &several()}) {
    for (const char* line : kFactLines) {
      INFO(line);
      const Outcome o = read_both(*set, line);
      CHECK(o.fast);
      CHECK(o.dom);
      CHECK(o.difference == "");
    }
  }
  // A fact the DOM reader refuses (or one the fast reader leaves to it) is never the fast reader's.
  const char* const refused[] = {
      R"({"id":"f","facts":{"birth_date":"1960-02-30"},"events":[]})",                   // no calendar date
      R"({"id":"f","facts":{"birth_date":19600101},"events":[]})",                       // not a string
      R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":1.0},"events":[]})",    // a decimal point
      R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":1e2},"events":[]})",    // an exponent
      R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":9007199254740993},"events":[]})",  // over 2^53
      R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":99999999999999999999},"events":[]})",
      R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":"3"},"events":[]})",
      R"({"id":"f","facts":{"birth_date":"1960-01-01","earlier_course":null},"events":[]})",
      R"({"id":"f","facts":{"birth_date":"1960-01-01","diagnosis":"DM 17"},"events":[]})",  // not a code
      R"({"id":"f","facts":{"birth_date":"1960-01-01","diagnosis":""},"events":[]})",
      R"({"id":"f","facts":{"birth_date":"1960-01-01","birth_date":"1960-01-01"},"events":[]})",  // twice
      R"({"id":"f","facts":{"birth_date":"1960-01-01","age":3},"events":[]})",           // undeclared
      R"({"id":"f","facts":{"birth_d\u0061te":"1960-01-01"},"events":[]})",              // an escaped name
      R"({"id":"f","facts":{"birth_date":"1960-01-01"},"facts":{},"events":[]})",        // facts twice
      R"({"id":"f","facts":[],"events":[]})",
      R"({"id":"f","facts":{},"events":[]})",                                            // a required fact missing
  };
  for (const char* line : refused) {
    INFO(line);
    const Outcome o = read_both(facts_only(), line);
    CHECK_FALSE(o.fast);
    CHECK(o.difference == "");
  }
  // Integers at the edges: each reader takes what the other takes, to the same value.
  for (const char* number : {"0", "-0", "-1", "9007199254740992", "-9007199254740992", "9007199254740991"}) {
    const std::string line =
        std::string(R"({"id":"f","facts":{"birth_date":"1960-01-01","sessions":)") + number + R"(},"events":[]})";
    INFO(line);
    const Outcome o = read_both(facts_only(), line);
    CHECK(o.fast == o.dom);
    CHECK(o.difference == "");
  }
}

TEST_CASE("with several agreements the fast reader reads each history against the one it names", "[reader][fast]") {
  const char* const escaped[] = {
      R"({"id":"s","agreement":"l\u0062p","referral_date":"2025-09-01","events":[]})",
      // An escape read on the first walk, the events on the second (a rewind): the DOM reader's.
      R"({"id":"s\t","referral_date":"2025-09-01","events":[{"id":"e\u0041","date":"2025-09-01","code":"0251"}],"agreement":"ste"})",
  };
  for (const char* line : escaped) {
    INFO(line);
    const Outcome o = read_both(several(), line);
    CHECK(o.dom);
    CHECK(o.difference == "");
  }
  for (const char* line : kSetLines) {
    INFO(line);
    const Outcome o = read_both(several(), line);
    CHECK(o.fast);
    CHECK(o.dom);
    CHECK(o.difference == "");
  }
  const char* const declined[] = {
      R"({"id":"s","referral_date":"2025-09-01","events":[]})",                              // names none
      R"({"id":"s","agreement":"xyz","referral_date":"2025-09-01","events":[]})",            // not loaded
      R"({"id":"s","agreement":"lbp","agreement":"lbp","referral_date":"2025-09-01","events":[]})",
      R"({"id":"s","agreement":1,"referral_date":"2025-09-01","events":[]})",
      // lbp's flag on an ste course, the agreement named after the events: read against ste.
      R"({"id":"s","referral_date":"2025-09-01","events":[{"id":"e","date":"2025-09-01","code":"0251","flags":["video"]}],"agreement":"ste"})",
  };
  for (const char* line : declined) {
    INFO(line);
    const Outcome o = read_both(several(), line);
    CHECK_FALSE(o.fast);
    CHECK(o.difference == "");
  }
  // The same history read by a set of one and by the set: the same values.
  const Outcome alone = read_both(lbp(), kSetLines[1]);
  CHECK(alone.fast);
  CHECK(alone.difference == "");
}

TEST_CASE("no one-byte change of a history with facts or of a set's history fools the fast reader", "[reader][fast][facts]") {
  std::vector<std::string> facts(std::begin(kFactLines), std::end(kFactLines));
  CHECK(sweep(facts_only(), facts) > 100);
  std::vector<std::string> set_lines(std::begin(kSetLines), std::end(kSetLines));
  set_lines.insert(set_lines.end(), facts.begin(), facts.end());
  CHECK(sweep(several(), set_lines) > 100);
}
