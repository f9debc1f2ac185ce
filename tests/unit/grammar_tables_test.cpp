// The lexer's and parser's tables are built on first use without ANTLR's check of the deserialised
// ATN (grammar/tables_on_first_use.cmake: a third of the building, on the way of every command
// that parses). The check runs here instead, on the tables the program uses.
#include <catch2/catch.hpp>

#include "AgrLexer.h"
#include "AgrParser.h"
#include "antlr4-runtime.h"

TEST_CASE("the generated lexer's and parser's tables pass ANTLR's verification", "[parse]") {
  antlr4::ANTLRInputStream input("agreement x \"t\"\n");
  agr_parser::AgrLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  agr_parser::AgrParser parser(&tokens);
  antlr4::atn::ATNDeserializer deserializer;  // the default options, with verifyATN
  CHECK(lexer.getATN().states.size() > 100);
  CHECK(parser.getATN().states.size() > 100);
  CHECK_NOTHROW(deserializer.verifyATN(lexer.getATN()));
  CHECK_NOTHROW(deserializer.verifyATN(parser.getATN()));
  CHECK(parser.file()->exception == nullptr);

  // The check finds a broken table: the lexer's, read again without it and then broken.
  antlr4::atn::ATNDeserializationOptions unchecked;
  unchecked.setVerifyATN(false);
  antlr4::atn::ATN broken = antlr4::atn::ATNDeserializer(unchecked).deserialize(lexer.getSerializedATN());
  CHECK_NOTHROW(deserializer.verifyATN(broken));
  bool broke = false;
  for (antlr4::atn::ATNState* state : broken.states) {
    if (auto* loop = dynamic_cast<antlr4::atn::StarLoopEntryState*>(state); loop && !broke) {
      loop->loopBackState = nullptr;
      broke = true;
    }
  }
  REQUIRE(broke);
  CHECK_THROWS(deserializer.verifyATN(broken));
}
