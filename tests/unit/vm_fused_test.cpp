// The VM's super-instructions (runtime/vm_fused.def): fuse_superinstructions fuses exactly the
// runs it names, on both sides of each condition (the op, the test that follows, the register it
// tests, a HOLD after the run or at its jump's target or neither), and leaves every index, operand and other instruction as it was; a program's file can
// never carry a fused opcode; and the fast loops, running the fused code, judge every case of
// every bundled agreement's suites as the traced loop, running the code as compiled, does.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bundled.h"
#include "bytecode_file.h"
#include "evaluate.h"
#include "history_reader.h"
#include "scratch.h"
#include "trace.h"
#include "verdict_writer.h"
#include "verify.h"
#include "vm_fused.h"

namespace {

using agr::FusedOp;
using agr::Instruction;
using agr::Opcode;
using agr::fused;

Instruction ins(Opcode op, uint8_t a = 0, uint8_t b = 0, uint8_t c = 0, int32_t k = 0) {
  Instruction i;
  i.op = op;
  i.a = a;
  i.b = b;
  i.c = c;
  i.k = k;
  return i;
}

// The ops of the fused code of `code`, after checking that nothing but ops changed.
std::vector<Opcode> fused_ops(const std::vector<Instruction>& code) {
  const std::vector<Instruction> out = agr::fuse_superinstructions(code);
  REQUIRE(out.size() == code.size());
  std::vector<Opcode> ops;
  for (size_t i = 0; i < code.size(); ++i) {
    CHECK(out[i].a == code[i].a);
    CHECK(out[i].b == code[i].b);
    CHECK(out[i].c == code[i].c);
    CHECK(out[i].k == code[i].k);
    ops.push_back(out[i].op);
  }
  return ops;
}

// Records nothing: run_function_traced under it runs the traced loop, on the code as compiled.
class NoSink : public agr::TraceSink {
 public:
  void enter(uint32_t, const agr::CourseState&) override {}
  void before(uint32_t) override {}
  void after(uint32_t, int64_t) override {}
  void leave(agr::RunResult) override {}
};

}  // namespace

TEST_CASE("a value that may be absent and its test fuse only when the test reads its register", "[vm][fused]") {
  using O = Opcode;
  const std::vector<Opcode> same = fused_ops({ins(O::COURSE_START, 1), ins(O::JUMP_IF_NONE, 1, 0, 0, 3),
                                              ins(O::FAIL), ins(O::FAIL)});
  CHECK(same[0] == fused(FusedOp::COURSE_START_JN));
  CHECK(same[1] == O::JUMP_IF_NONE);
  // Going on to a HOLD, by falling through or by the jump (absent): the forms that hold at once.
  const std::vector<Opcode> falls = fused_ops({ins(O::COURSE_START, 1), ins(O::JUMP_IF_NONE, 1, 0, 0, 3),
                                               ins(O::HOLD), ins(O::FAIL)});
  CHECK(falls[0] == fused(FusedOp::COURSE_START_JN_HOLD));
  const std::vector<Opcode> jumps = fused_ops({ins(O::COURSE_END, 1), ins(O::JUMP_IF_NONE, 1, 0, 0, 3),
                                               ins(O::FAIL), ins(O::HOLD)});
  CHECK(jumps[0] == fused(FusedOp::COURSE_END_JN_TO_HOLD));
  CHECK(jumps[3] == O::HOLD);

  // Another register tested, or a value that is never absent, or a test of truth: no run.
  const std::vector<Opcode> other = fused_ops({ins(O::COURSE_START, 1), ins(O::JUMP_IF_NONE, 2, 0, 0, 3),
                                               ins(O::HOLD), ins(O::FAIL)});
  CHECK(other[0] == O::COURSE_START);
  const std::vector<Opcode> never_absent = fused_ops({ins(O::EVENT_DATE, 1), ins(O::JUMP_IF_NONE, 1, 0, 0, 3),
                                                      ins(O::HOLD), ins(O::FAIL)});
  CHECK(never_absent[0] == O::EVENT_DATE);
  const std::vector<Opcode> truth = fused_ops({ins(O::REFERRAL, 1), ins(O::JUMP_IF_FALSE, 1, 0, 0, 3),
                                               ins(O::HOLD), ins(O::FAIL)});
  CHECK(truth[0] == O::REFERRAL);
}

TEST_CASE("a condition and its jump fuse only when the jump reads the condition", "[vm][fused]") {
  using O = Opcode;
  const std::vector<Opcode> same = fused_ops({ins(O::LT, 2, 0, 1), ins(O::JUMP_IF_FALSE, 2, 0, 0, 3),
                                              ins(O::FAIL), ins(O::FAIL)});
  CHECK(same[0] == fused(FusedOp::LT_JF));
  CHECK(same[1] == O::JUMP_IF_FALSE);
  // Falling through to HOLD (`require` as a rule's last clause), or jumping to it (`reject if`):
  // the forms that hold at once.
  const std::vector<Opcode> holds = fused_ops({ins(O::LT, 2, 0, 1), ins(O::JUMP_IF_FALSE, 2, 0, 0, 3),
                                               ins(O::HOLD), ins(O::FAIL)});
  CHECK(holds[0] == fused(FusedOp::LT_JF_HOLD));
  CHECK(holds[1] == O::JUMP_IF_FALSE);
  CHECK(holds[2] == O::HOLD);
  const std::vector<Opcode> jumps = fused_ops({ins(O::EVENT_FLAGGED, 0, 0, 0, 1), ins(O::JUMP_IF_FALSE, 0, 0, 0, 4),
                                               ins(O::JUMP, 0, 0, 0, 5), ins(O::FAIL), ins(O::HOLD), ins(O::FAIL)});
  CHECK(jumps[0] == fused(FusedOp::EVENT_FLAGGED_JF_TO_HOLD));
  CHECK(jumps[2] == O::JUMP);

  const std::vector<Opcode> other = fused_ops({ins(O::LT, 2, 0, 1), ins(O::JUMP_IF_FALSE, 3, 0, 0, 3),
                                               ins(O::HOLD), ins(O::FAIL)});
  CHECK(other[0] == O::LT);
  const std::vector<Opcode> move = fused_ops({ins(O::MOVE, 2, 1), ins(O::JUMP_IF_FALSE, 2, 0, 0, 3),
                                              ins(O::HOLD), ins(O::FAIL)});
  CHECK(move[0] == O::MOVE);
  const std::vector<Opcode> absent_test = fused_ops({ins(O::COURSE_STARTED, 2), ins(O::JUMP_IF_NONE, 2, 0, 0, 3),
                                                     ins(O::HOLD), ins(O::FAIL)});
  CHECK(absent_test[0] == O::COURSE_STARTED);
}

TEST_CASE("a constant, a comparison with it and the jump fuse as one only when all three chain", "[vm][fused]") {
  using O = Opcode;
  // count(X) < 2 as a clause: the constant's run, and the comparison's own run beside it, so that
  // a jump to the comparison also finds a fused form.
  const std::vector<Opcode> chain = fused_ops({ins(O::COUNT, 0, 0, 0, 1), ins(O::LOAD_INT, 1, 0, 0, 2),
                                               ins(O::LT, 2, 0, 1), ins(O::JUMP_IF_FALSE, 2, 0, 0, 4),
                                               ins(O::FAIL), ins(O::HOLD)});
  CHECK(chain[0] == O::COUNT);
  CHECK(chain[1] == fused(FusedOp::K_LT_JF));
  CHECK(chain[2] == fused(FusedOp::LT_JF));
  CHECK(chain[3] == O::JUMP_IF_FALSE);
  // Falling through to HOLD: both runs in the form that holds at once.
  const std::vector<Opcode> date = fused_ops({ins(O::EVENT_DATE, 0), ins(O::LOAD_DATE, 1, 0, 0, 20332),
                                              ins(O::LE, 2, 1, 0), ins(O::JUMP_IF_FALSE, 2, 0, 0, 5),
                                              ins(O::HOLD), ins(O::FAIL)});
  CHECK(date[1] == fused(FusedOp::K_LE_JF_HOLD));
  CHECK(date[2] == fused(FusedOp::LE_JF_HOLD));
  CHECK(date[4] == O::HOLD);
  const std::vector<Opcode> reject = fused_ops({ins(O::EVENT_DATE, 0), ins(O::LOAD_DATE, 1, 0, 0, 20332),
                                                ins(O::LT, 2, 0, 1), ins(O::JUMP_IF_FALSE, 2, 0, 0, 5),
                                                ins(O::JUMP, 0, 0, 0, 6), ins(O::HOLD), ins(O::FAIL)});
  CHECK(reject[1] == fused(FusedOp::K_LT_JF_TO_HOLD));
  CHECK(reject[2] == fused(FusedOp::LT_JF_TO_HOLD));
  CHECK(reject[4] == O::JUMP);

  // The jump reads another register: neither run.
  const std::vector<Opcode> broken = fused_ops({ins(O::LOAD_INT, 1, 0, 0, 2), ins(O::EQ, 2, 0, 1),
                                                ins(O::JUMP_IF_FALSE, 3, 0, 0, 4), ins(O::HOLD), ins(O::FAIL)});
  CHECK(broken[0] == O::LOAD_INT);
  CHECK(broken[1] == O::EQ);
  // Not a comparison after the constant (ADD), or a constant that is not an integer or a date
  // (LOAD_BOOL): only the runs after it.
  const std::vector<Opcode> add = fused_ops({ins(O::LOAD_INT, 1, 0, 0, 2), ins(O::ADD, 2, 0, 1),
                                             ins(O::LT, 3, 2, 0), ins(O::JUMP_IF_FALSE, 3, 0, 0, 4),
                                             ins(O::FAIL), ins(O::HOLD)});
  CHECK(add[0] == O::LOAD_INT);
  CHECK(add[1] == O::ADD);
  CHECK(add[2] == fused(FusedOp::LT_JF));
  const std::vector<Opcode> boolean = fused_ops({ins(O::LOAD_BOOL, 1, 0, 0, 1), ins(O::EQ, 2, 0, 1),
                                                 ins(O::JUMP_IF_FALSE, 2, 0, 0, 3), ins(O::FAIL), ins(O::HOLD)});
  CHECK(boolean[0] == O::LOAD_BOOL);
  CHECK(boolean[1] == fused(FusedOp::EQ_JF));
  // The run would end past the code (a jump's fall-through is the last instruction): untouched.
  const std::vector<Opcode> cut = fused_ops({ins(O::LOAD_INT, 1, 0, 0, 2), ins(O::LT, 2, 0, 1)});
  CHECK(cut[0] == O::LOAD_INT);
  CHECK(cut[1] == O::LT);
}

TEST_CASE("a program's code never carries a fused opcode", "[vm][fused]") {
  agr::Program p = agr::testing::bundled_program("lbp");
  REQUIRE(!p.code.empty());
  std::string why;
  REQUIRE(agr::verify_program(p, &why));
  p.code[0].op = fused(FusedOp::COURSE_START_JN);
  CHECK_FALSE(agr::verify_program(p, &why));
  // Nor does a file: the loader refuses an opcode past the table before the verifier runs.
  const std::string bytes = agr::write_bytecode(p);
  agr::Program read;
  std::string error;
  CHECK_FALSE(agr::read_bytecode(bytes, &read, &error));
  CHECK(error.find("unknown opcode") != std::string::npos);
}

TEST_CASE("the fused VM judges as the traced VM, which runs the code as compiled", "[vm][fused]") {
  // Fused heads of the bundled agreements: JN, JF, K_JF, and of those the ones that go on to a
  // HOLD by falling through, and by their jump.
  size_t histories = 0, heads[3] = {0, 0, 0}, falls_to_hold = 0, jumps_to_hold = 0;
  for (const std::string& name : agr::testing::bundled_names()) {
    const auto agreement = agr::testing::bundled_agreement(name);
    const agr::Program& p = agreement->program();
    const std::vector<Instruction>& vm_code = agreement->index().vm_code;
    REQUIRE(vm_code.size() == p.code.size());
    for (size_t i = 0; i < vm_code.size(); ++i) {
      if (!agr::is_fused(vm_code[i].op)) {
        CHECK(vm_code[i].op == p.code[i].op);
        continue;
      }
      const Opcode next = p.code[i + 1].op;
      const int kind = next == Opcode::JUMP_IF_NONE ? 0 : next == Opcode::JUMP_IF_FALSE ? 1 : 2;
      ++heads[kind];
      const Instruction& jump = p.code[i + (kind == 2 ? 2 : 1)];
      falls_to_hold += p.code[i + (kind == 2 ? 3 : 2)].op == Opcode::HOLD;
      jumps_to_hold += p.code[static_cast<size_t>(jump.k)].op == Opcode::HOLD;
    }

    agr::Evaluator::Scratch scratch;
    NoSink sink;
    for (const agr::testing::SuiteHistory& h : agr::testing::suite_histories(name)) {
      INFO(name << ": " << h.origin);
      std::string error;
      if (!agr::read_history_json(scratch, p, agreement->index(), h.line, &error)) continue;
      std::string verdicts[3];
      for (int w = 0; w < 3; ++w) {
        agr::CourseVerdict verdict;
        bool ok;
        if (w == 2) {
          agr::TraceScope scope(&sink);
          ok = agr::evaluate_prepared(*agreement, scratch.history, h.as_of, scratch.state, &verdict,
                                      agr::run_function_traced);
        } else {
          ok = agr::evaluate_prepared(*agreement, scratch.history, h.as_of, scratch.state, &verdict,
                                      w == 0 ? agr::run_function_goto : agr::run_function_switch);
        }
        if (ok) agr::append_verdict_json(&verdicts[w], *agreement, scratch.history, verdict);
        else verdicts[w] = "error: " + verdict.error;
      }
      CHECK(verdicts[0] == verdicts[2]);
      CHECK(verdicts[1] == verdicts[2]);
      ++histories;
    }
  }
  CHECK(histories > 100);
  // Every kind of run is in the bundled agreements, so the suites above ran each.
  CHECK(heads[0] > 0);
  CHECK(heads[1] > 0);
  CHECK(heads[2] > 0);
  CHECK(falls_to_hold > 0);
  CHECK(jumps_to_hold > 0);
}
