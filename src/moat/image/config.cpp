#include <moat/image/image.hpp>
#include <moat/image/json_fields.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace moat::image {

using core::ErrorKind;
using core::fail;
using nlohmann::json;

namespace {

std::vector<std::string> strings_at(const json& object, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end())
    return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& item : *it)
      if (item.is_string())
        out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> keys_at(const json& object, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it != object.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      out.push_back(k);
  return out;
}

enum class Want : std::uint8_t { string, object, strings, strings_or_string };

bool has_type(const json& value, Want want) {
  if (value.is_null())
    return true; // Docker writes null for an unset list or map
  switch (want) {
  case Want::string:
    return value.is_string();
  case Want::object:
    return value.is_object();
  case Want::strings:
    return value.is_array() &&
           std::ranges::all_of(value, [](const json& v) { return v.is_string(); });
  case Want::strings_or_string:
    return value.is_string() || has_type(value, Want::strings);
  }
  return false;
}

std::string_view want_name(Want want) {
  switch (want) {
  case Want::string:
    return "a string";
  case Want::object:
    return "an object";
  case Want::strings:
    return "a list of strings";
  case Want::strings_or_string:
    return "a string or a list of strings";
  }
  return "";
}

std::string_view type_name(const json& value) {
  if (value.is_number())
    return "a number";
  if (value.is_boolean())
    return "a boolean";
  if (value.is_array())
    return "a list";
  if (value.is_object())
    return "an object";
  return "a string";
}

// A field of a known name with the wrong JSON type is an error, not an
// empty value: a numeric "User" read as "" would be reported as root.
std::string mistyped_field(const json& doc) {
  struct Field {
    const char* path; // "config.User"
    const char* parent;
    const char* key;
    Want want;
  };
  static constexpr std::array<Field, 19> k_fields{{
      {"os", nullptr, "os", Want::string},
      {"architecture", nullptr, "architecture", Want::string},
      {"variant", nullptr, "variant", Want::string},
      {"created", nullptr, "created", Want::string},
      {"author", nullptr, "author", Want::string},
      {"config", nullptr, "config", Want::object},
      {"rootfs", nullptr, "rootfs", Want::object},
      {"config.User", "config", "User", Want::string},
      {"config.WorkingDir", "config", "WorkingDir", Want::string},
      {"config.StopSignal", "config", "StopSignal", Want::string},
      {"config.Env", "config", "Env", Want::strings},
      {"config.Entrypoint", "config", "Entrypoint", Want::strings_or_string},
      {"config.Cmd", "config", "Cmd", Want::strings_or_string},
      {"config.ExposedPorts", "config", "ExposedPorts", Want::object},
      {"config.Volumes", "config", "Volumes", Want::object},
      {"config.Labels", "config", "Labels", Want::object},
      {"config.Healthcheck", "config", "Healthcheck", Want::object},
      {"config.Shell", "config", "Shell", Want::strings},
      {"config.OnBuild", "config", "OnBuild", Want::strings},
  }};
  for (const auto& f : k_fields) {
    const json* parent = &doc;
    if (f.parent != nullptr) {
      const auto it = doc.find(f.parent);
      if (it == doc.end() || !it->is_object())
        continue;
      parent = &*it;
    }
    const auto it = parent->find(f.key);
    if (it != parent->end() && !has_type(*it, f.want))
      return fmt::format("{} is {}, not {}", f.path, type_name(*it), want_name(f.want));
  }
  if (const auto cfg = doc.find("config"); cfg != doc.end() && cfg->is_object())
    if (const auto hc = cfg->find("Healthcheck"); hc != cfg->end() && hc->is_object())
      if (const auto test = hc->find("Test"); test != hc->end() && !has_type(*test, Want::strings))
        return fmt::format("config.Healthcheck.Test is {}, not a list of strings",
                           type_name(*test));
  if (const auto history = doc.find("history");
      history != doc.end() && !history->is_null() && !history->is_array())
    return fmt::format("history is {}, not a list", type_name(*history));
  return {};
}

} // namespace

namespace {

bool is_lower_hex(std::string_view s) {
  return std::ranges::all_of(
      s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace

bool is_valid_digest(std::string_view digest) {
  if (digest.starts_with("sha256:"))
    return digest.size() == 7 + 64 && is_lower_hex(digest.substr(7));
  if (digest.starts_with("sha512:"))
    return digest.size() == 7 + 128 && is_lower_hex(digest.substr(7));
  return false;
}

bool is_sha256_digest(std::string_view digest) {
  return digest.starts_with("sha256:") && is_valid_digest(digest);
}

std::string digest_from_name(std::string_view path) {
  auto base = path.substr(path.rfind('/') + 1); // npos + 1 == 0
  if (base.ends_with(".json"))
    base.remove_suffix(5);
  std::string digest = "sha256:" + std::string(base);
  return is_sha256_digest(digest) ? digest : std::string();
}

core::Result<DockerManifest> parse_docker_manifest(std::string_view text, const std::string& name) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty() || !doc.front().is_object())
    return fail(ErrorKind::parse, name, "manifest.json is not a list of images");
  const auto& entry = doc.front();
  DockerManifest out;
  out.config = string_at(entry, "Config");
  if (out.config.empty())
    return fail(ErrorKind::parse, name, "manifest.json names no Config");
  for (const auto& [key, list] :
       {std::pair{"RepoTags", &out.tags}, std::pair{"Layers", &out.layers}})
    if (const auto it = entry.find(key); it != entry.end() && it->is_array())
      for (const auto& item : *it)
        if (item.is_string())
          list->push_back(item.get<std::string>());
  return out;
}

core::Result<ParsedConfig> parse_image_config(std::string_view text, const std::string& name) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(ErrorKind::parse, name, "image config is not a JSON object");
  if (const auto wrong = mistyped_field(doc); !wrong.empty())
    return fail(ErrorKind::parse, name, fmt::format("image config: {}", wrong));
  ParsedConfig out;
  auto& c = out.config;
  c.os = string_at(doc, "os");
  c.architecture = string_at(doc, "architecture");
  c.variant = string_at(doc, "variant");
  c.created = string_at(doc, "created");
  // Docker writes "config"; very old images only "container_config".
  const auto cfg = doc.find("config");
  if (cfg != doc.end() && cfg->is_object()) {
    c.user = string_at(*cfg, "User");
    c.env = strings_at(*cfg, "Env");
    c.entrypoint = strings_at(*cfg, "Entrypoint");
    c.cmd = strings_at(*cfg, "Cmd");
    c.working_dir = string_at(*cfg, "WorkingDir");
    c.exposed_ports = keys_at(*cfg, "ExposedPorts");
    c.volumes = keys_at(*cfg, "Volumes");
    c.stop_signal = string_at(*cfg, "StopSignal");
    if (const auto labels = cfg->find("Labels"); labels != cfg->end() && labels->is_object())
      for (const auto& [k, v] : labels->items())
        if (v.is_string())
          c.labels[k] = v.get<std::string>();
    if (const auto hc = cfg->find("Healthcheck"); hc != cfg->end() && hc->is_object())
      c.healthcheck = strings_at(*hc, "Test");
  }
  if (const auto history = doc.find("history"); history != doc.end() && history->is_array()) {
    for (const auto& item : *history) {
      if (!item.is_object())
        return fail(ErrorKind::parse, name, "image config history entry is not an object");
      HistoryEntry entry;
      entry.created = string_at(item, "created");
      entry.created_by = string_at(item, "created_by");
      entry.comment = string_at(item, "comment");
      const auto empty = item.find("empty_layer");
      entry.empty_layer = empty != item.end() && empty->is_boolean() && empty->get<bool>();
      out.history.push_back(std::move(entry));
    }
  }
  const auto rootfs = doc.find("rootfs");
  if (rootfs == doc.end() || !rootfs->is_object())
    return fail(ErrorKind::parse, name, "image config has no rootfs");
  const auto diff_ids = rootfs->find("diff_ids");
  if (diff_ids == rootfs->end() || !diff_ids->is_array())
    return fail(ErrorKind::parse, name, "image config has no rootfs.diff_ids");
  for (const auto& id : *diff_ids) {
    if (!id.is_string())
      return fail(ErrorKind::parse, name, "image config diff_id is not a string");
    out.diff_ids.push_back(id.get<std::string>());
  }
  return out;
}

core::Status attach_config(Image& image, ParsedConfig parsed) {
  if (parsed.diff_ids.size() != image.layers.size())
    return fail(ErrorKind::parse, image.name,
                fmt::format("the manifest lists {} layers but the config {}", image.layers.size(),
                            parsed.diff_ids.size()));
  for (std::size_t i = 0; i < image.layers.size(); ++i)
    image.layers[i].diff_id = parsed.diff_ids[i];
  // Each non-empty history entry made one layer, in order.
  std::size_t layer = 0;
  for (std::size_t h = 0; h < parsed.history.size() && layer < image.layers.size(); ++h)
    if (!parsed.history[h].empty_layer)
      image.layers[layer++].history = static_cast<int>(h);
  image.config = std::move(parsed.config);
  image.history = std::move(parsed.history);
  return {};
}

} // namespace moat::image
