// An integrator's C++ program with the compiler library: loads an agreement from its source
// (.agr, compiled in memory) or compiled form (.agrc), and writes for a JSON Lines file of
// histories exactly what `agr run` writes, on as many threads as the machine has, in input order.
//
//   compile_example agreements/lbp.agr examples/histories/lbp.jsonl
//
// Built against the installed package: find_package(agr) and agr::compiler (docs/integrating.md).
#include <agr/agr.h>
#include <agr/compiler.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: compile_example AGREEMENT.agr|.agrc HISTORIES.jsonl\n");
    return 2;
  }
  std::string error;
  std::shared_ptr<const agr::Agreement> agreement = agr::compile_agreement(argv[1], &error);
  if (!agreement) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  std::fprintf(stderr, "%s: %s; %zu services, %zu rules, %zu due items\n", agreement->name().c_str(),
               agreement->title().c_str(), agreement->service_count(), agreement->rule_count(),
               agreement->due_item_count());

  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));

  // One Evaluator per thread, the agreement shared; thread t takes lines t, t + n, t + 2n, ...
  const size_t n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> out(lines.size());
  std::vector<char> bad(lines.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      agr::Evaluator evaluator(agreement);
      for (size_t i = t; i < lines.size(); i += n)
        bad[i] = !evaluator.evaluate_json_line(lines[i], i + 1, std::nullopt, &out[i]);
    });
  for (std::thread& thread : threads) thread.join();

  for (const std::string& verdict : out) std::fwrite(verdict.data(), 1, verdict.size(), stdout);
  return std::count(bad.begin(), bad.end(), 1) ? 1 : 0;
}
