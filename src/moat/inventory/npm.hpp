#pragma once
// Installed npm packages: the package.json of each node_modules/ entry.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace moat::inventory {

// Parses a package.json into a package of type "npm". Returns nullopt when the
// document is not an object or lacks a string "name" or "version" (such files
// are workspace roots, test fixtures or templates, not installed packages).
// The license comes from "license" (a string or {"type": ...}) or the legacy
// "licenses" list (joined with " OR "). A scoped name "@scope/x" becomes purl
// namespace "@scope" and purl name "x". Invalid JSON is an ErrorKind::parse
// error naming NAME; found_at is set to NAME.
[[nodiscard]] core::Result<std::optional<core::Package>>
parse_npm_package_json(std::string_view text, const std::string& name);

} // namespace moat::inventory
