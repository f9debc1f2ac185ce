// The server's endpoints as functions (server/api.h), where a test can set what HTTP cannot: a
// deadline already past. The rest of the API is driven over HTTP by tests/server/server_test.py.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "api.h"
#include "bundled.h"
#include "bytecode_file.h"

namespace {

using agr::server::Api;
using agr::server::Clock;
using agr::server::Answer;

std::shared_ptr<const agr::server::AgreementSet> bundled_set() {
  std::string error;
  auto set = agr::server::AgreementSet::load({std::string(AGR_SOURCE_DIR) + "/agreements"}, 1, &error);
  INFO(error);
  REQUIRE(set);
  return set;
}

const std::string kHistory =
    R"({"id": "c-1", "referral_date": "2025-09-01", "events": [{"id": "e1", "date": "2025-09-03", "code": "0261"}]})";

}  // namespace

TEST_CASE("a run that passes its deadline stops with 503, not a partial answer", "[server]") {
  const agr::server::AgreementStore store(bundled_set());
  const Api api(store, {});
  const std::string histories = kHistory + "\n" + kHistory + "\n";

  const auto in_time = api.run_lines("lbp", std::nullopt, histories, Answer::Verdicts, Clock::now() + std::chrono::seconds(30));
  CHECK(in_time.status == 200);
  CHECK(std::count(in_time.body.begin(), in_time.body.end(), '\n') == 2);

  const auto late = api.run_lines("lbp", std::nullopt, histories, Answer::Verdicts, Clock::now() - std::chrono::milliseconds(1));
  CHECK(late.status == 503);
  CHECK(late.body.find("took longer than the server's limit of 30000 ms (evaluated 1 lines)") != std::string::npos);

  const std::string request = R"({"agreement": "lbp", "histories": ")" + std::string("{}\\n{}") + R"("})";
  CHECK(api.run_json(request, Answer::Verdicts, Clock::now() - std::chrono::milliseconds(1)).status == 503);
  CHECK(api.run_json(request, Answer::Verdicts, Clock::now() + std::chrono::seconds(30)).status == 200);
}

TEST_CASE("the agreements are found by name in the snapshot a request holds", "[server]") {
  agr::server::AgreementStore store(bundled_set());
  const auto held = store.current();
  REQUIRE(held->find("lbp"));
  CHECK(held->find("lbp")->source.has_value());
  CHECK_FALSE(held->find("lb"));
  CHECK_FALSE(held->find("lbpx"));

  std::string error;
  auto only_ste = agr::server::AgreementSet::load({std::string(AGR_SOURCE_DIR) + "/agreements/ste.agr"}, 2, &error);
  REQUIRE(only_ste);
  store.replace(only_ste);
  CHECK(held->find("lbp"));  // the old snapshot lives on while a request holds it
  CHECK_FALSE(store.current()->find("lbp"));
  const Api api(store, {});
  CHECK(api.run_lines(std::nullopt, std::nullopt, "", Answer::Verdicts, Clock::now() + std::chrono::seconds(1)).status == 200);
}

TEST_CASE("an agreement loaded from bytecode is served without a source", "[server]") {
  const auto dir = std::filesystem::temp_directory_path() / "agr_server_api_test";
  std::filesystem::create_directories(dir);
  const std::string bytes = agr::write_bytecode(agr::testing::bundled_program("ste"));
  std::ofstream(dir / "ste.agrc", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  std::string error;
  auto set = agr::server::AgreementSet::load({dir.string()}, 1, &error);
  INFO(error);
  REQUIRE(set);
  REQUIRE(set->find("ste"));
  CHECK_FALSE(set->find("ste")->source);
  CHECK(set->listing_json().find("\"has_source\":false") != std::string::npos);

  const agr::server::AgreementStore store(set);
  const Api api(store, {});
  const auto source = api.agreement_source("ste");
  CHECK(source.status == 404);
  CHECK(source.body.find("loaded from bytecode") != std::string::npos);
  // The only agreement loaded judges the histories without being named.
  const auto run = api.run_lines(std::nullopt, std::nullopt, R"({"id": "c", "events": []})", Answer::Verdicts, Clock::now() + std::chrono::seconds(5));
  CHECK(run.status == 200);
  CHECK(run.body.find("\"agreement\":\"ste\"") != std::string::npos);
  std::filesystem::remove_all(dir);
}
