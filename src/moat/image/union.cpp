#include <moat/image/union.hpp>

#include <initializer_list>

namespace moat::image {

namespace {

// What the layers above did to a path, seen while walking from the top
// down: for each kind of action, the closest layer above that did it (-1: none).
struct Mark {
  int whiteout = -1; // deleted at this path
  int opaque = -1;   // directory made opaque
  int replaced = -1; // a non-directory entry sits here (hides anything below it)
  int present = -1;  // any entry sits here
};

int closest(std::initializer_list<int> layers) {
  int best = -1;
  for (const int l : layers)
    if (l >= 0 && (best == -1 || l < best))
      best = l;
  return best;
}

} // namespace

UnionView::UnionView(std::span<const LayerScan> layers) : m_layers(layers) {
  m_hidden_by.resize(layers.size());
  std::unordered_map<std::string_view, Mark> marks;
  marks.reserve(1024);
  for (int l = static_cast<int>(layers.size()) - 1; l >= 0; --l) {
    const auto& scan = layers[static_cast<std::size_t>(l)];
    auto& hidden = m_hidden_by[static_cast<std::size_t>(l)];
    hidden.assign(scan.entries.size(), -1);
    // Visibility is decided against the marks of the layers above only.
    for (std::size_t i = 0; i < scan.entries.size(); ++i) {
      const auto& e = scan.entries[i];
      if (e.type == EntryType::whiteout || e.type == EntryType::opaque) {
        hidden[i] = -2;
        continue;
      }
      const std::string_view path = e.path;
      int by = -1;
      if (const auto it = marks.find(path); it != marks.end()) {
        const auto& m = it->second;
        // A directory over a directory merges; anything else replaces.
        by = e.type == EntryType::directory ? closest({m.whiteout, m.replaced})
                                            : closest({m.whiteout, m.present});
      }
      for (auto slash = path.rfind('/'); slash != std::string_view::npos;
           slash = slash == 0 ? std::string_view::npos : path.rfind('/', slash - 1)) {
        if (const auto it = marks.find(path.substr(0, slash)); it != marks.end()) {
          const auto& m = it->second;
          by = closest({by, m.whiteout, m.opaque, m.replaced});
        }
      }
      if (!path.empty())
        if (const auto root = marks.find(std::string_view()); root != marks.end())
          by = closest({by, root->second.opaque});
      hidden[i] = by;
    }
    for (const auto& e : scan.entries) {
      auto& mark = marks[e.path];
      switch (e.type) {
      case EntryType::whiteout:
        mark.whiteout = l;
        break;
      case EntryType::opaque:
        mark.opaque = l;
        break;
      case EntryType::directory:
        mark.present = l;
        break;
      default:
        mark.present = l;
        mark.replaced = l;
        break;
      }
    }
  }
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (std::size_t i = 0; i < layers[l].entries.size(); ++i)
      if (m_hidden_by[l][i] == -1) {
        const EntryRef ref{static_cast<int>(l), i};
        auto [it, inserted] = m_by_path.try_emplace(layers[l].entries[i].path, ref);
        if (inserted)
          continue;
        // Within one layer a later entry for the same path replaces an
        // earlier one (two directories merge).
        const auto& earlier = entry(it->second);
        if (it->second.layer == ref.layer &&
            !(earlier.type == EntryType::directory && entry(ref).type == EntryType::directory))
          m_hidden_by[l][it->second.entry] = ref.layer;
        it->second = ref;
      }
  m_visible.reserve(m_by_path.size());
  for (const auto& [path, ref] : m_by_path)
    m_visible.push_back(ref);
}

int UnionView::hidden_by(int layer, std::size_t entry) const {
  return m_hidden_by[static_cast<std::size_t>(layer)][entry];
}

const FileEntry* UnionView::find(std::string_view path) const {
  const auto it = m_by_path.find(path);
  return it == m_by_path.end() ? nullptr : &entry(it->second);
}

std::optional<EntryRef> UnionView::find_ref(std::string_view path) const {
  const auto it = m_by_path.find(path);
  if (it == m_by_path.end())
    return std::nullopt;
  return it->second;
}

const FileEntry& UnionView::entry(EntryRef ref) const {
  return m_layers[static_cast<std::size_t>(ref.layer)].entries[ref.entry];
}

} // namespace moat::image
