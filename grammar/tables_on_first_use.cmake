# Rewrites the lexer and parser that the antlr4 tool generated (4.7.2, for the 4.9 runtime) so that
# their tables are built on first use instead of at static initialisation. As generated, a static
# `AgrLexer::Initializer AgrLexer::_init;` (and AgrParser's) deserialises the ATN when the program
# starts: about 6 M instructions, a quarter of `agr --version`, spent by every command of every
# program that links the compiler, even those that never parse (issue 12). Here the static
# definition goes, and each constructor starts with a function-local static Initializer: built
# once, by the first lexer or parser, thread-safely (C++11 magic statics), before its simulator
# takes the tables. Nothing else reads the tables without an instance.
#
# The tables are also built without ANTLR's check of the deserialised ATN (verifyATN: a third of
# the building), as this build's tool wrote them and the runtime version is checked all the same;
# the unit test "the generated grammar's ATN verifies" (tests/unit/parse_test.cpp) runs that check
# on both tables in every test run instead.
#
#   cmake -DGENERATED_DIR=DIR -P tables_on_first_use.cmake      (run by the root CMakeLists.txt)
foreach(class_and_base AgrLexer:Lexer:CharStream AgrParser:Parser:TokenStream)
  string(REPLACE ":" ";" parts ${class_and_base})
  list(GET parts 0 class)
  list(GET parts 1 base)
  list(GET parts 2 stream)
  set(file ${GENERATED_DIR}/${class}.cpp)
  file(READ ${file} text)
  set(constructor "${class}::${class}(${stream} *input) : ${base}(input) {\n")
  set(definition "${class}::Initializer ${class}::_init;\n")
  set(deserializer "  atn::ATNDeserializer deserializer;\n")
  string(FIND "${text}" "${constructor}" at_constructor)
  string(FIND "${text}" "${definition}" at_definition)
  string(FIND "${text}" "${deserializer}" at_deserializer)
  if(at_constructor EQUAL -1 OR at_definition EQUAL -1 OR at_deserializer EQUAL -1)
    message(FATAL_ERROR "${file}: not the code this script rewrites (another antlr4 version?): "
                        "update grammar/tables_on_first_use.cmake")
  endif()
  string(REPLACE "${constructor}" "${constructor}  static const Initializer tables;  // the tables, built on first use\n"
         text "${text}")
  string(REPLACE "${definition}" "// (no static ${class}::_init: the constructor builds the tables on first use)\n"
         text "${text}")
  string(REPLACE "${deserializer}" "  atn::ATNDeserializationOptions options;
  options.setVerifyATN(false);  // verified by a unit test instead
  atn::ATNDeserializer deserializer(options);\n" text "${text}")
  file(WRITE ${file} "${text}")
endforeach()
