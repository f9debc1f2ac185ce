// The bytecode interpreter. The dispatch loop (vm_loop.inc) is written once with macros and
// compiled by `switch` and by computed goto (Lua's vmdispatch/vmcase), each both to run one
// function (run_function_*) and to judge an event by all of its service's rules in one call
// (judge_service_*). run_function and service_judge_of(run_function) use computed goto where the
// compiler has it, unless AGR_VM_SWITCH is defined; bench/ measures both. A further compilation,
// run_function_traced, tells a TraceSink every step (trace.h).
#include <algorithm>
#include <cassert>

#include "course_queries.h"
#include "evaluate.h"
#include "trace.h"
#include "vm_fused.h"

namespace agr {

std::vector<Instruction> fuse_superinstructions(const std::vector<Instruction>& code) {
  // The fused form of a run starting with each opcode, by its kind (vm_fused.def); 0 for none.
  // Opcode 0 (LOAD_INT) is never a fused form, so 0 can stand for "none".
  Opcode jn[kOpcodeCount] = {}, jf[kOpcodeCount] = {}, k_jf[kOpcodeCount] = {};
#define FUSED_JN(op) jn[static_cast<size_t>(Opcode::op)] = fused(FusedOp::op##_JN);
#define FUSED_JF(op) jf[static_cast<size_t>(Opcode::op)] = fused(FusedOp::op##_JF);
#define FUSED_K_JF(op) k_jf[static_cast<size_t>(Opcode::op)] = fused(FusedOp::K_##op##_JF);
#include "vm_fused.def"
#undef FUSED_JN
#undef FUSED_JF
#undef FUSED_K_JF
  constexpr Opcode kNone = Opcode::LOAD_INT;
  // Does `test` (JUMP_IF_NONE or JUMP_IF_FALSE) test the register `first` wrote?
  auto tests = [](const Instruction& first, const Instruction& test, Opcode op) {
    return test.op == op && test.a == first.a;
  };
  // The form for a run of `length` instructions from i: its _HOLD form when it falls through to
  // HOLD, its _TO_HOLD form when its jump goes to HOLD (vm_fused.h numbers them so).
  auto holding = [&code](Opcode form, size_t i, size_t length) {
    auto is_hold = [&code](size_t at) { return at < code.size() && code[at].op == Opcode::HOLD; };
    const int offset = is_hold(i + length) ? 1 : is_hold(static_cast<uint32_t>(code[i + length - 1].k)) ? 2 : 0;
    return static_cast<Opcode>(static_cast<uint8_t>(form) + offset);
  };
  std::vector<Instruction> fused_code = code;
  for (size_t i = 0; i + 1 < code.size(); ++i) {
    const Instruction& x = code[i];
    const Opcode op = x.op;
    const size_t o = static_cast<size_t>(op);
    // A run never crosses a function's end: its instructions are all but the last a jump's
    // fall-through, and a verified function ends in a return.
    if ((op == Opcode::LOAD_INT || op == Opcode::LOAD_DATE) && i + 2 < code.size()) {
      const Instruction& compare = code[i + 1];
      const Opcode k_form = k_jf[static_cast<size_t>(compare.op)];
      if (k_form != kNone && tests(compare, code[i + 2], Opcode::JUMP_IF_FALSE)) {
        fused_code[i].op = holding(k_form, i, 3);
        continue;
      }
    }
    if (jn[o] != kNone && tests(x, code[i + 1], Opcode::JUMP_IF_NONE)) fused_code[i].op = holding(jn[o], i, 2);
    else if (jf[o] != kNone && tests(x, code[i + 1], Opcode::JUMP_IF_FALSE)) fused_code[i].op = holding(jf[o], i, 2);
  }
  return fused_code;
}

#define VM_TRACE 0
#define VM_USE_GOTO 0
#define VM_JUDGE 0
#define VM_FUNCTION_NAME run_function_switch
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_JUDGE
#define VM_JUDGE 1
#define VM_FUNCTION_NAME judge_service_switch
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_JUDGE
#undef VM_USE_GOTO

#if defined(__GNUC__)
#define VM_USE_GOTO 1
#define VM_JUDGE 0
#define VM_FUNCTION_NAME run_function_goto
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_JUDGE
#define VM_JUDGE 1
#define VM_FUNCTION_NAME judge_service_goto
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_JUDGE
#undef VM_USE_GOTO
#else
RunResult run_function_goto(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                            DueOutput* due) {
  return run_function_switch(p, index, function, s, due);
}
uint64_t judge_service_goto(const Program& p, const AgreementIndex& index, const CourseState& s, uint32_t* failed) {
  return judge_service_switch(p, index, s, failed);
}
#endif

#undef VM_TRACE

namespace {

thread_local TraceSink* g_trace_sink = nullptr;

TraceSink* current_trace_sink() { return g_trace_sink; }

#define VM_TRACE 1
#define VM_USE_GOTO 0
#define VM_JUDGE 0
#define VM_FUNCTION_NAME run_function_traced_loop
#include "vm_loop.inc"
#undef VM_FUNCTION_NAME
#undef VM_JUDGE
#undef VM_USE_GOTO
#undef VM_TRACE

}  // namespace

TraceScope::TraceScope(TraceSink* sink) : previous_(g_trace_sink) { g_trace_sink = sink; }
TraceScope::~TraceScope() { g_trace_sink = previous_; }

RunResult run_function_traced(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                              DueOutput* due) {
  if (!g_trace_sink) return run_function(p, index, function, s, due);
  const RunResult result = run_function_traced_loop(p, index, function, s, due);
  g_trace_sink->leave(result);
  return result;
}

RunResult run_function(const Program& p, const AgreementIndex& index, uint32_t function, const CourseState& s,
                       DueOutput* due) {
#if defined(AGR_VM_SWITCH)
  return run_function_switch(p, index, function, s, due);
#else
  return run_function_goto(p, index, function, s, due);
#endif
}

VmJudge service_judge_of(VmFunction vm) {
  if (vm == run_function) {  // the dispatch run_function uses
#if defined(AGR_VM_SWITCH)
    return judge_service_switch;
#else
    return judge_service_goto;
#endif
  }
  if (vm == run_function_goto) return judge_service_goto;
  if (vm == run_function_switch) return judge_service_switch;
  return nullptr;
}

}  // namespace agr
