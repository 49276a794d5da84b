// Secrets in a Dockerfile: secret-looking ARG/ENV names and secret values
// in ARG, ENV, LABEL, RUN and heredocs, TLS switched off through ENV, and
// credentials in URLs.

#include <moat/dockerfile/check_helpers.hpp>
#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

namespace moat::dockerfile::detail {

using secrets::find_secret_value;
using secrets::is_secret_name;
using secrets::redact;

// Secrets in ENV and ARG (by name and by value) and in RUN/LABEL (by value).
void check_secrets(Context& ctx) {
  auto scan_value = [&](const Instruction& ins, std::string_view where, std::string_view value) {
    if (auto hit = find_secret_value(value))
      ctx.report("DF064", ins,
                 fmt::format("{} holds a secret: {} ({})", where, hit->kind, redact(hit->value)));
  };
  auto name_check = [&](const Instruction& ins, std::string_view kind, const std::string& name,
                        const std::optional<std::string>& value) {
    if (!is_secret_name(name))
      return;
    if (kind == "ENV") {
      if (!value || value->empty())
        return;
      ctx.report(
          "DF063", ins,
          fmt::format(
              "ENV {} looks like a secret; it is stored in the image for anyone who pulls it",
              name));
    } else {
      ctx.report("DF063", ins,
                 fmt::format("ARG {} looks like a secret; build arguments are recorded in the "
                             "image history; use RUN --mount=type=secret",
                             name));
    }
  };
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env") {
      for (const auto& pair : ins.pairs) {
        name_check(ins, "ENV", pair.key, pair.value);
        scan_value(ins, "ENV " + pair.key, pair.value);
      }
      for (const auto& pair : ins.pairs)
        if (pair.key == "NODE_TLS_REJECT_UNAUTHORIZED" && util::trim(pair.value) == "0")
          ctx.report("DF067", ins,
                     "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks");
        else if (pair.key == "GIT_SSL_NO_VERIFY" && !pair.value.empty() && pair.value != "0" &&
                 pair.value != "false")
          ctx.report("DF067", ins, "GIT_SSL_NO_VERIFY disables TLS certificate checks for git");
        else if (pair.key == "PIP_TRUSTED_HOST")
          ctx.report("DF067", ins, "PIP_TRUSTED_HOST disables TLS certificate checks for pip");
    } else if (ins.keyword == "arg") {
      for (const auto& word : ins.args) {
        auto eq = word.find('=');
        std::string name = word.substr(0, eq);
        std::optional<std::string> value;
        if (eq != std::string::npos)
          value = word.substr(eq + 1);
        name_check(ins, "ARG", name, value);
        if (value)
          scan_value(ins, "ARG " + name, *value);
      }
    } else if (ins.keyword == "label") {
      for (const auto& pair : ins.pairs)
        scan_value(ins, "LABEL " + pair.key, pair.value);
    } else if (ins.keyword == "run") {
      for (const auto& a : ins.args)
        scan_value(ins, "RUN", a);
      for (const auto& h : ins.heredocs)
        scan_value(ins, "RUN heredoc", h.content);
    } else if (ins.keyword == "copy" || ins.keyword == "add") {
      for (const auto& h : ins.heredocs)
        scan_value(ins, util::to_upper(ins.keyword) + " heredoc", h.content);
    }
  }
}

// URLs with a user name and password in ENV, ARG and LABEL values.
void check_url_credentials(Context& ctx) {
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env" || ins.keyword == "arg" || ins.keyword == "label") {
      std::vector<std::string> values = ins.args;
      for (const auto& p : ins.pairs)
        values.push_back(p.value);
      for (const auto& v : values)
        if (url_has_credentials(v)) {
          ctx.report("DF107", ins, "a URL with a user name and password is stored in the image");
          break;
        }
    }
  }
}

} // namespace moat::dockerfile::detail
