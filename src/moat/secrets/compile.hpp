#pragma once
// The rules compiled into one Hyperscan stream database: what the build
// tool (dbgen.cpp) serialises and what the engine falls back to when the
// serialised database cannot be read.

#include <moat/secrets/rules.hpp>

#include <hs/hs.h>

#include <span>
#include <string>

namespace moat::secrets {

// The database of RULES for PLATFORM (nullptr: this machine), each rule's
// id its index; nullptr with ERROR set ("SE007: <Hyperscan's message>")
// when one does not compile.
// FIRST_ID is the id of the first rule (the user's rules follow the
// built-in ones).
[[nodiscard]] hs_database_t* compile_rules(std::span<const Rule> rules,
                                           const hs_platform_info_t* platform, std::string& error,
                                           unsigned first_id = 0);

} // namespace moat::secrets
