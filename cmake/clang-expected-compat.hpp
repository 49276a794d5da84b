// Force-included (-include) when moat is compiled or analysed by clang 14-16:
// libstdc++ 12 only enables <expected> when __cpp_concepts >= 202002L, a value
// these clang versions do not announce although they support what it needs.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma clang diagnostic ignored "-Wmacro-redefined"
#undef __cpp_concepts
#define __cpp_concepts 202002L
#pragma clang diagnostic pop
