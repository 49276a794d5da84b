#pragma once
// The union view of an image's layers, as overlay file systems build it:
// upper layers replace lower entries, ".wh.NAME" deletes NAME (and what is
// under it), ".wh..wh..opq" hides the lower contents of a directory. Every
// entry that a later layer deleted or replaced is "shadowed", and the view
// remembers which layer did it.

#include <moat/image/layer.hpp>

#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moat::image {

struct EntryRef {
  int layer = -1;
  std::size_t entry = 0;
};

class UnionView {
public:
  // Builds the view of LAYERS (bottom first). The scans must outlive the view.
  explicit UnionView(std::span<const LayerScan> layers);

  // The layer that deleted or replaced entry ENTRY of layer LAYER; -1 when it
  // is visible in the final image, -2 for whiteout and opaque markers.
  [[nodiscard]] int hidden_by(int layer, std::size_t entry) const;
  // The visible entry at PATH (normalised, no leading '/'), if any.
  [[nodiscard]] const FileEntry* find(std::string_view path) const;
  [[nodiscard]] std::optional<EntryRef> find_ref(std::string_view path) const;
  // Every visible entry, in no particular order.
  [[nodiscard]] const std::vector<EntryRef>& visible() const { return m_visible; }
  [[nodiscard]] const FileEntry& entry(EntryRef ref) const;

private:
  std::span<const LayerScan> m_layers;
  std::vector<std::vector<int>> m_hidden_by;
  std::vector<EntryRef> m_visible;
  std::unordered_map<std::string_view, EntryRef> m_by_path;
};

} // namespace moat::image
