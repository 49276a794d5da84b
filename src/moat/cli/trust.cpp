// moat key, moat sign, moat verify: content trust in cosign's format.
#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/trust/gpg.hpp>
#include <moat/trust/keys.hpp>
#include <moat/trust/layout.hpp>
#include <moat/trust/registry.hpp>
#include <moat/trust/trust.hpp>
#include <moat/util/file.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace moat::cli {

namespace {

constexpr const char* k_write_exit_status =
    "EXIT STATUS:\n"
    "  0  done\n"
    "  2  usage error, or an input could not be read, a key not opened or a signature not\n"
    "     stored (one line on stderr names it; nothing is left half-written)\n";

constexpr std::size_t k_max_key_bytes = std::size_t{64} * 1024;
constexpr std::size_t k_max_manifest_file_bytes = std::size_t{8} * 1024 * 1024;

// ---- Passphrases ----------------------------------------------------------

// Reads a line from the terminal without echo; nullopt without a terminal.
std::optional<std::string> prompt(const std::string& question) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  termios saved{};
  const bool is_term = ::tcgetattr(fd, &saved) == 0;
  if (is_term) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, question.data(), question.size());
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    line += c;
  (void)!::write(fd, "\n", 1);
  if (is_term)
    ::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  return line;
}

// The passphrase: MOAT_PASSWORD (or cosign's COSIGN_PASSWORD), else asked on
// the terminal (twice with CONFIRM).
core::Result<std::string> passphrase(const std::string& what, bool confirm) {
  for (const char* name : {"MOAT_PASSWORD", "COSIGN_PASSWORD"})
    if (const char* env = std::getenv(name); env != nullptr)
      return std::string(env);
  auto first = prompt(fmt::format("Enter the passphrase for {}: ", what));
  if (!first)
    return core::fail(core::ErrorKind::usage, what,
                      "no passphrase: set MOAT_PASSWORD (there is no terminal to ask on)");
  if (confirm) {
    auto again = prompt("Enter it again: ");
    if (!again || *again != *first)
      return core::fail(core::ErrorKind::usage, what, "the passphrases do not match");
  }
  return *first;
}

// ---- Files ----------------------------------------------------------------

core::Result<std::string> read_small(const std::string& path, std::size_t max_bytes) {
  auto text = util::read_file(path, max_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  return std::move(*text);
}

// Writes CONTENT to PATH with MODE through a temporary file and a rename;
// an existing PATH is refused unless FORCE.
core::Status write_key_file(const std::string& path, std::string_view content, mode_t mode,
                            bool force) {
  std::error_code ec;
  if (!force && std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
    return core::fail(core::ErrorKind::usage, path, "already exists (use --force to replace it)");
  if (auto ok = util::replace_file(path, content, mode); !ok)
    return core::fail(core::ErrorKind::io, path, ok.error());
  return {};
}

// ---- moat key -------------------------------------------------------------

struct KeyOptions {
  std::string type = "ecdsa-p256";
  std::string prefix = "moat";
  bool no_passphrase = false;
  bool force = false;
};

int run_key_generate(const KeyOptions& opts) {
  const auto type = trust::key_type_from_name(opts.type);
  if (!type)
    return report_error(core::Error{core::ErrorKind::usage, opts.type,
                                    "unknown key type (expected ecdsa-p256 or ed25519)", 0, 0});
  if (opts.prefix.empty())
    return report_error(
        core::Error{core::ErrorKind::usage, "--output-key-prefix", "must not be empty", 0, 0});
  const auto private_path = opts.prefix + ".key";
  const auto public_path = opts.prefix + ".pub";
  std::error_code ec;
  for (const auto& path : {private_path, public_path})
    if (!opts.force && std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
      return report_error(core::Error{core::ErrorKind::usage, path,
                                      "already exists (use --force to replace it)", 0, 0});
  std::string password;
  if (!opts.no_passphrase) {
    auto asked = passphrase(private_path, true);
    if (!asked)
      return report_error(asked.error());
    if (asked->empty())
      return report_error(core::Error{core::ErrorKind::usage, private_path,
                                      "an empty passphrase needs --no-passphrase", 0, 0});
    password = std::move(*asked);
  }
  auto key = trust::generate_key(*type);
  if (!key)
    return report_error(key.error());
  auto sealed = trust::encrypt_private_key(*key, password);
  if (!sealed)
    return report_error(sealed.error());
  if (auto ok = write_key_file(private_path, *sealed, 0600, opts.force); !ok)
    return report_error(ok.error());
  if (auto ok = write_key_file(public_path, key->public_pem(), 0644, opts.force); !ok) {
    std::filesystem::remove(private_path, ec);
    return report_error(ok.error());
  }
  fmt::print(stderr, "Private key written to {}\nPublic key written to {}\n", private_path,
             public_path);
  return k_exit_clean;
}

void attach_key_verb(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("key", "Generate signing keys");
  cmd->require_subcommand(1);
  cmd->footer(std::string("Run 'moat key COMMAND --help' for a command's options.\n\n") +
              k_write_exit_status);
  auto opts = std::make_shared<KeyOptions>();
  auto* gen = cmd->add_subcommand("generate", "Write a new key pair: NAME.key and NAME.pub");
  gen->add_option("--type", opts->type, "ecdsa-p256 (default) or ed25519")->option_text("TYPE");
  gen->add_option("--output-key-prefix", opts->prefix, "Write NAME.key and NAME.pub (default moat)")
      ->option_text("NAME");
  gen->add_flag("--no-passphrase", opts->no_passphrase, "Leave the private key's passphrase empty");
  gen->add_flag("--force", opts->force, "Replace existing key files");
  gen->footer(
      std::string("DESCRIPTION:\n"
                  "  Generates a key pair. NAME.key is the private key in cosign's encrypted\n"
                  "  format (a PEM block ENCRYPTED SIGSTORE PRIVATE KEY: scrypt with N=32768,\n"
                  "  r=8, p=1 and NaCl secretbox around the PKCS#8 key), readable by every\n"
                  "  cosign release; it is written with mode 0600. NAME.pub is the public\n"
                  "  key as a PUBLIC KEY PEM block. The passphrase is MOAT_PASSWORD (or\n"
                  "  COSIGN_PASSWORD) when set, else asked twice on the terminal; an empty\n"
                  "  one needs --no-passphrase.\n\n"
                  "EXAMPLES:\n"
                  "  moat key generate --output-key-prefix release\n"
                  "  MOAT_PASSWORD=... moat key generate --type ed25519\n\n") +
      k_write_exit_status);
  gen->callback(verb_callback(exit_code, [opts] { return run_key_generate(*opts); }));
}

// ---- Registries -------------------------------------------------------------

struct RegistryFlags {
  std::string ca_cert;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
  std::string timeout = "5m";
};

void add_registry_flags(CLI::App& cmd, RegistryFlags& flags) {
  cmd.add_option("--ca-cert", flags.ca_cert, "Registry TLS: trust this CA certificate (PEM)")
      ->option_text("FILE");
  cmd.add_flag("--insecure", flags.insecure,
               "Registry over plain HTTP; allowed for loopback addresses only");
  cmd.add_option("--insecure-registry", flags.insecure_registries,
                 "Registry over plain HTTP at this HOST[:PORT], on any network; repeatable")
      ->allow_extra_args(false)
      ->option_text("HOST");
  cmd.add_option("--timeout", flags.timeout,
                 "Give up on the registry after this long in all: 90s, 5m (default 5m)")
      ->option_text("DURATION");
}

core::Result<image::RegistryOptions> registry_options(const RegistryFlags& flags) {
  image::RegistryOptions options;
  options.ca_cert = flags.ca_cert;
  options.insecure = flags.insecure;
  options.insecure_registries = flags.insecure_registries;
  MOAT_TRY_ASSIGN(timeout, parse_timeout_option(flags.timeout));
  options.timeout = timeout;
  options.deadline = std::chrono::steady_clock::now() + timeout;
  return options;
}

bool is_registry_target(const std::string& target) {
  return target.starts_with("registry://");
}

// ---- moat verify ----------------------------------------------------------

struct VerifyOptions {
  CommonOptions common;
  std::vector<std::string> keys;
  std::vector<std::string> signatures;
  std::string manifest;
  std::vector<std::string> annotations;
  std::string match = "repository";
  std::string image;
  std::string gpg_keyring;
  std::string lookaside;
  std::string reference;
  std::string policy_file;
  RegistryFlags registry;
};

core::Result<std::map<std::string, std::string>>
parse_annotations(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return core::fail(core::ErrorKind::usage, item, "an annotation is KEY=VALUE");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

core::Result<std::vector<trust::VerifyRequest::NamedKey>>
read_keys(const std::vector<std::string>& paths) {
  std::vector<trust::VerifyRequest::NamedKey> keys;
  for (const auto& path : paths) {
    MOAT_TRY_ASSIGN(text, read_small(path, k_max_key_bytes));
    MOAT_TRY_ASSIGN(key, trust::read_public_key(text, path));
    keys.push_back({path, std::move(key)});
  }
  return keys;
}

// A signature file: cosign's sigstore-json form, or else a GPG (OpenPGP)
// signature as skopeo writes it.
core::Result<trust::Signature> read_signature_file(const std::string& path) {
  MOAT_TRY_ASSIGN(bytes, read_small(path, 4 * trust::k_max_payload_bytes));
  if (bytes.starts_with(std::string_view("\0sigstore-json\n", 15)))
    return trust::parse_signature_file(bytes, path);
  return trust::Signature::gpg(std::move(bytes), path);
}

// signature-1, signature-2, ... in DIR, up to the first that is missing.
core::Result<std::vector<trust::Signature>> numbered_signatures(const std::filesystem::path& dir) {
  std::vector<trust::Signature> out;
  std::error_code ec;
  for (int n = 1; n <= 1000; ++n) {
    const auto path = dir / fmt::format("signature-{}", n);
    if (!std::filesystem::exists(path, ec))
      break;
    MOAT_TRY_ASSIGN(s, read_signature_file(path.string()));
    out.push_back(std::move(s));
  }
  return out;
}

// Where a lookaside store keeps the signatures of REPOSITORY's DIGEST, as
// containers/image lays it out: BASE/REPO-PATH@sha256=HEX/signature-N.
std::filesystem::path lookaside_dir(const std::string& base, const std::string& target,
                                    const std::string& digest) {
  std::string_view rest(target);
  rest.remove_prefix(std::string_view("registry://").size());
  const auto slash = rest.find('/');
  std::string repository(rest.substr(slash + 1));
  repository = repository.substr(0, repository.find('@'));
  if (const auto colon = repository.rfind(':'); colon != std::string::npos)
    repository.resize(colon);
  std::string place = digest;
  place[place.find(':')] = '=';
  std::string root = base;
  if (root.starts_with("file://"))
    root.erase(0, 7);
  return std::filesystem::path(root) / (repository + "@" + place);
}

// moat verify --policy FILE IMAGE: the trust policy decides.
int run_verify_policy(VerifyOptions& opts, const core::Policy& policy) {
  if (opts.image.empty())
    return report_error(
        core::Error{core::ErrorKind::usage, "IMAGE", "--policy judges an image: name one", 0, 0});
  if (!opts.keys.empty() || !opts.gpg_keyring.empty() || !opts.signatures.empty())
    return report_error(core::Error{core::ErrorKind::usage, "--policy",
                                    "the policy names the keys: --policy does not go with --key, "
                                    "--gpg-keyring or --signature",
                                    0, 0});
  auto trust_policy = trust::read_policy(opts.policy_file);
  if (!trust_policy)
    return report_error(trust_policy.error());
  auto options = registry_options(opts.registry);
  if (!options)
    return report_error(options.error());
  auto verdict = trust::check_policy(*trust_policy, opts.image, *options);
  if (!verdict)
    return report_error(verdict.error());
  core::TargetReport report;
  report.target = opts.image;
  report.kind = "image";
  report.show_passed = true;
  trust::add_policy_verdict(report, *verdict);
  core::apply_policy(policy, report);
  core::sort_findings(report.findings);
  std::vector<core::TargetReport> reports{std::move(report)};
  std::vector<std::filesystem::path> inputs{opts.policy_file};
  if (auto status = emit_reports(opts.common, "verify", trust::checks(), policy, reports, inputs);
      !status)
    return report_error(status.error());
  return verdict->accepted ? k_exit_clean : k_exit_findings;
}

int run_verify(VerifyOptions& opts) {
  auto policy = build_policy(opts.common, std::filesystem::current_path());
  if (!policy)
    return report_error(policy.error());
  if (!opts.policy_file.empty())
    return run_verify_policy(opts, *policy);
  if (opts.keys.empty() && opts.gpg_keyring.empty())
    return report_error(core::Error{core::ErrorKind::usage, "--key",
                                    "a public key (--key) or a GPG keyring (--gpg-keyring) is "
                                    "needed",
                                    0, 0});
  trust::VerifyRequest request;
  auto keys = read_keys(opts.keys);
  if (!keys)
    return report_error(keys.error());
  request.keys = std::move(*keys);
  if (!opts.gpg_keyring.empty()) {
    auto keyring = trust::GpgKeyring::open(opts.gpg_keyring);
    if (!keyring)
      return report_error(keyring.error());
    request.gpg = std::move(*keyring);
  }
  auto annotations = parse_annotations(opts.annotations);
  if (!annotations)
    return report_error(annotations.error());
  request.annotations = std::move(*annotations);
  if (opts.match == "exact")
    request.rule = trust::IdentityRule::match_exact;
  else if (opts.match != "repository")
    return report_error(
        core::Error{core::ErrorKind::usage, opts.match, "--match is repository or exact", 0, 0});

  std::vector<trust::Signature> signatures;
  std::string target;
  std::vector<std::filesystem::path> inputs;
  if (!opts.signatures.empty() || !opts.manifest.empty()) {
    // Signature files beside the manifest they sign (standalone files, a
    // dir: copy's); IMAGE, when given, is the reference to match.
    if (opts.signatures.empty() || opts.manifest.empty())
      return report_error(core::Error{core::ErrorKind::usage, "--signature",
                                      "--signature and --manifest go together", 0, 0});
    auto manifest = read_small(opts.manifest, k_max_manifest_file_bytes);
    if (!manifest)
      return report_error(manifest.error());
    request.manifest_digest = "sha256:" + util::sha256_hex(*manifest);
    for (const auto& path : opts.signatures) {
      auto s = read_signature_file(path);
      if (!s)
        return report_error(s.error());
      signatures.push_back(std::move(*s));
      inputs.emplace_back(path);
    }
    if (!opts.image.empty())
      request.reference = opts.image;
    target = opts.image.empty() ? opts.manifest : opts.image;
    inputs.emplace_back(opts.manifest);
  } else if (opts.image.starts_with("dir:")) {
    // A `skopeo copy ... dir:PATH` copy: manifest.json and signature-N.
    const std::filesystem::path dir = opts.image.substr(4);
    auto manifest = read_small((dir / "manifest.json").string(), k_max_manifest_file_bytes);
    if (!manifest)
      return report_error(manifest.error());
    request.manifest_digest = "sha256:" + util::sha256_hex(*manifest);
    auto found = numbered_signatures(dir);
    if (!found)
      return report_error(found.error());
    signatures = std::move(*found);
    target = opts.image;
  } else {
    if (opts.image.empty())
      return report_error(core::Error{core::ErrorKind::usage, "IMAGE",
                                      "an image (registry://..., an OCI layout, dir:PATH) or "
                                      "--signature and --manifest are needed",
                                      0, 0});
    core::Result<trust::FoundSignatures> found = core::fail(core::ErrorKind::internal, "", "");
    if (is_registry_target(opts.image)) {
      auto options = registry_options(opts.registry);
      if (!options)
        return report_error(options.error());
      found = trust::registry_signatures(opts.image, *options);
    } else {
      found = trust::layout_signatures(opts.image);
    }
    if (!found)
      return report_error(found.error());
    request.manifest_digest = found->manifest_digest;
    request.reference = found->reference;
    signatures = std::move(found->signatures);
    if (!opts.lookaside.empty()) {
      if (!is_registry_target(opts.image))
        return report_error(core::Error{core::ErrorKind::usage, "--lookaside",
                                        "a lookaside store holds signatures of registry images", 0,
                                        0});
      auto more =
          numbered_signatures(lookaside_dir(opts.lookaside, opts.image, request.manifest_digest));
      if (!more)
        return report_error(more.error());
      for (auto& s : *more)
        signatures.push_back(std::move(s));
    }
    target = opts.image;
  }
  if (!opts.reference.empty())
    request.reference = opts.reference;
  if (request.reference && !trust::parse_docker_reference(*request.reference))
    return report_error(core::Error{core::ErrorKind::usage, *request.reference,
                                    "not a Docker reference to match signatures against", 0, 0});

  const auto verdict = trust::verify_image(target, signatures, request);
  std::vector<core::TargetReport> reports{trust::to_report(verdict)};
  for (auto& report : reports) {
    core::apply_policy(*policy, report);
    core::sort_findings(report.findings);
  }
  if (auto status = emit_reports(opts.common, "verify", trust::checks(), *policy, reports, inputs);
      !status)
    return report_error(status.error());
  return verdict.verified() ? k_exit_clean : k_exit_findings;
}

void attach_verify_verb(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<VerifyOptions>();
  auto* cmd = root.add_subcommand("verify", "Verify an image's cosign signatures");
  cmd->add_option("IMAGE", opts->image,
                  "registry://HOST/REPO[:TAG|@DIGEST], an OCI layout directory or dir:PATH "
                  "(a skopeo dir: copy); with --signature, the reference to match")
      ->option_text("IMAGE");
  cmd->add_option("--key", opts->keys, "A public key (PEM) to trust; repeat for several")
      ->option_text("PUB")
      ->allow_extra_args(false);
  cmd->add_option("--signature", opts->signatures,
                  "A signature file (a dir: copy's signature-N, sigstore-json); repeat for several")
      ->option_text("FILE")
      ->allow_extra_args(false);
  cmd->add_option("--manifest", opts->manifest, "The manifest the signature files sign")
      ->option_text("FILE");
  cmd->add_option("--gpg-keyring", opts->gpg_keyring,
                  "Trusted GPG keys (a keyring, binary or armored) for GPG simple signing "
                  "signatures")
      ->option_text("FILE");
  cmd->add_option("--lookaside", opts->lookaside,
                  "A lookaside signature store (a directory, or file://) for a registry image")
      ->option_text("DIR");
  cmd->add_option("--policy", opts->policy_file,
                  "Judge IMAGE by this trust policy (moat-policy.yaml or containers-policy.json)")
      ->option_text("FILE");
  cmd->add_option("--reference", opts->reference,
                  "The reference the signed identity must match (default: the image's own)")
      ->option_text("REF");
  cmd->add_option("-a,--annotation", opts->annotations,
                  "KEY=VALUE that a verifying signature must carry; repeat for several")
      ->option_text("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--match", opts->match,
                  "How the signed identity must match IMAGE: repository (default) or exact")
      ->option_text("RULE");
  add_registry_flags(*cmd, opts->registry);
  add_common_options(*cmd, opts->common,
                     "text, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      "DESCRIPTION:\n"
      "  Finds every cosign signature of the image's manifest digest and checks\n"
      "  that at least one verifies with a --key (ECDSA as ASN.1 DER or raw r||s,\n"
      "  Ed25519), signs that digest, has cosign's type, names the image's\n"
      "  repository (--match exact: the same tag or digest, as\n"
      "  containers-policy.json's matchExact) and carries every -a annotation.\n"
      "  It prints what verified it (key, digest, identity, annotations), or\n"
      "  each signature's reason: wrong key, digest mismatch, identity mismatch,\n"
      "  missing annotation, malformed. TR001 is the image's verdict (a finding\n"
      "  when nothing verifies, so SARIF can gate CI on it); TR002 lists each\n"
      "  signature that does not verify, as info.\n\n"
      "  Signatures are read from the tag sha256-<hex>.sig of the image's\n"
      "  repository (or $COSIGN_REPOSITORY) in a registry, and from that tag\n"
      "  in an OCI layout's index. GPG simple signing signatures (skopeo,\n"
      "  Podman, CRI-O: type \"atomic container signature\") are checked with\n"
      "  gpgv against --gpg-keyring: the signature-N files of a dir: copy,\n"
      "  standalone files (--signature), and a lookaside store (--lookaside\n"
      "  DIR: DIR/REPO@sha256=HEX/signature-N).\n\n"
      "  With --policy, the policy file names the keys per scope (registry,\n"
      "  repository or *.domain; the most specific wins, as containers/image\n"
      "  decides): moat-policy.yaml, or a containers-policy.json as skopeo and\n"
      "  Podman read it (sigstoreSigned, signedBy GPGKeys, reject,\n"
      "  insecureAcceptAnything, signedIdentity). TR003 is the verdict.\n\n"
      "EXAMPLES:\n"
      "  moat verify --key release.pub registry://registry.example.com/team/app:1.4\n"
      "  moat verify --key release.pub ./app-layout\n"
      "  moat verify --key cosign.pub --signature img/signature-1 --manifest img/manifest.json \\\n"
      "      registry.example.com/team/app\n"
      "  moat verify --key release.pub -a build=42 --format sarif -o trust.sarif ./app-layout\n"
      "  moat verify --gpg-keyring trusted.gpg --reference docker.io/library/busybox:1 "
      "dir:./copy\n"
      "  moat verify --policy moat-policy.yaml registry://registry.example.com/team/app:1.4\n\n"
      "EXIT STATUS:\n"
      "  0  a signature verified\n"
      "  1  no signature verified\n"
      "  2  moat could not check (a missing file, a damaged key, bad usage)\n");
  cmd->callback(verb_callback(exit_code, [opts] { return run_verify(*opts); }));
}

// ---- moat sign ------------------------------------------------------------

struct SignOptions {
  std::string key;
  std::string image;
  std::string identity;
  std::vector<std::string> annotations;
  bool quiet = false;
  RegistryFlags registry;
};

core::Result<trust::Key> load_signing_key(const std::string& path) {
  MOAT_TRY_ASSIGN(text, read_small(path, k_max_key_bytes));
  if (!trust::private_key_needs_password(text))
    return trust::read_private_key(text, "", path);
  // A key written with an empty passphrase (--no-passphrase) opens without
  // asking.
  const bool from_env =
      std::getenv("MOAT_PASSWORD") != nullptr || std::getenv("COSIGN_PASSWORD") != nullptr;
  if (!from_env)
    if (auto key = trust::read_private_key(text, "", path))
      return key;
  MOAT_TRY_ASSIGN(password, passphrase(path, false));
  return trust::read_private_key(text, password, path);
}

int run_sign(const SignOptions& opts) {
  if (opts.key.empty())
    return report_error(
        core::Error{core::ErrorKind::usage, "--key", "a private key is needed", 0, 0});
  auto annotations = parse_annotations(opts.annotations);
  if (!annotations)
    return report_error(annotations.error());
  if (!opts.identity.empty() && !trust::parse_docker_reference(opts.identity))
    return report_error(core::Error{core::ErrorKind::usage, opts.identity,
                                    "--identity is not a Docker reference", 0, 0});
  auto key = load_signing_key(opts.key);
  if (!key)
    return report_error(key.error());
  core::Result<trust::SignResult> signed_ = core::fail(core::ErrorKind::internal, "", "");
  if (is_registry_target(opts.image)) {
    auto options = registry_options(opts.registry);
    if (!options)
      return report_error(options.error());
    signed_ = trust::sign_registry(opts.image, *key, opts.identity, *annotations, *options);
  } else {
    signed_ = trust::sign_layout(opts.image, *key, opts.identity, *annotations);
  }
  if (!signed_)
    return report_error(signed_.error());
  if (!opts.quiet)
    fmt::print(stderr, "{} {} ({}) for {} with {}\n",
               signed_->already_signed ? "Already signed:" : "Signed", signed_->manifest_digest,
               opts.image, signed_->identity, opts.key);
  return k_exit_clean;
}

void attach_sign_verb(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<SignOptions>();
  auto* cmd = root.add_subcommand("sign", "Sign an image in cosign's format");
  cmd->add_option(
         "IMAGE", opts->image,
         "registry://HOST/REPO[:TAG|@DIGEST], or an OCI layout directory (DIR, or DIR:REF)")
      ->option_text("IMAGE")
      ->required();
  cmd->add_option("--key", opts->key, "The private key: cosign's encrypted format or PEM")
      ->option_text("KEY");
  cmd->add_option("-a,--annotation", opts->annotations,
                  "KEY=VALUE to put in the signed payload; repeat for several")
      ->option_text("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--identity", opts->identity,
                  "The reference to sign for (default: the image's repository)")
      ->option_text("REF");
  cmd->add_flag("-q,--quiet", opts->quiet, k_quiet_help);
  add_registry_flags(*cmd, opts->registry);
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Signs the image's manifest digest (an index is signed as the index)\n"
                  "  as cosign does: the simple-signing payload (identity, digest, type\n"
                  "  \"cosign container image signature\", the -a annotations under\n"
                  "  optional) serialised as cosign serialises it, signed with the key\n"
                  "  (ECDSA over SHA-256 as ASN.1 DER, or Ed25519), stored as a layer of\n"
                  "  the signature image tagged sha256-<hex>.sig beside the image (in\n"
                  "  a registry, in the image's repository or $COSIGN_REPOSITORY), with\n"
                  "  the base64 signature in its dev.cosignproject.cosign/signature\n"
                  "  annotation. Existing signatures are kept; the same payload already\n"
                  "  signed by this key is not added twice. The identity is the image's\n"
                  "  repository (HOST/REPO in a registry; in a layout, from its ref name\n"
                  "  when that is a full reference), or --identity. An encrypted key's\n"
                  "  passphrase is MOAT_PASSWORD (or COSIGN_PASSWORD), else asked on the\n"
                  "  terminal.\n\n"
                  "EXAMPLES:\n"
                  "  moat sign --key release.key registry://registry.example.com/team/app:1.4\n"
                  "  moat sign --key release.key ./app-layout\n"
                  "  moat sign --key release.key -a build=42 --identity "
                  "registry.example.com/team/app ./app-layout\n\n") +
      k_write_exit_status);
  cmd->callback(verb_callback(exit_code, [opts] { return run_sign(*opts); }));
}

} // namespace

void attach_key(CLI::App& root, int& exit_code) {
  attach_key_verb(root, exit_code);
}

void attach_sign(CLI::App& root, int& exit_code) {
  attach_sign_verb(root, exit_code);
}

void attach_verify(CLI::App& root, int& exit_code) {
  attach_verify_verb(root, exit_code);
}

} // namespace moat::cli
