#include <moat/cli/app.hpp>

#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>

#include <fmt/format.h>

#include <array>
#include <iostream>

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.0.0"
#endif

namespace moat::cli {

namespace {

struct Verb {
  const char* name;
  void (*attach)(CLI::App& root, int& exit_code);
};

// Every verb, in the order --help lists them.
constexpr std::array<Verb, 6> k_verbs{{
    {"db", attach_db},
    {"image", attach_image},
    {"lint", attach_lint},
    {"rules", attach_rules},
    {"sbom", attach_sbom},
    {"vuln", attach_vuln},
}};

} // namespace

int run(int argc, char** argv) {
  CLI::App app{"moat: audit and harden Docker/OCI containers, from Dockerfile to runtime", "moat"};
  app.set_version_flag("-V,--version", "moat " MOAT_VERSION, "Print the version and exit");
  app.require_subcommand(1);
  app.footer(std::string("Run 'moat COMMAND --help' for a command's options.\n\n") +
             exit_status_help());
  int exit_code = k_exit_clean;
  for (const auto& verb : k_verbs)
    verb.attach(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "moat: {}\n", e.what());
    fmt::print(stderr, "Run 'moat --help' for usage.\n");
    return k_exit_error;
  }
  return exit_code;
}

} // namespace moat::cli
