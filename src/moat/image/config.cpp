#include <moat/image/image.hpp>
#include <moat/image/json_fields.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

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
