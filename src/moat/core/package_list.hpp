#pragma once
// Lists of packages the matcher and the writers walk by index: a span of
// Package (an image's inventory) or a packed list that keeps each package
// in a few dozen bytes (an SBOM of a million components).

#include <moat/core/package.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace moat::core {

// Random access to packages. get() returns package I, filling SCRATCH when
// the list does not hold Package objects itself.
class PackageSource {
public:
  PackageSource() = default;
  PackageSource(const PackageSource&) = default;
  PackageSource(PackageSource&&) = default;
  PackageSource& operator=(const PackageSource&) = default;
  PackageSource& operator=(PackageSource&&) = default;
  virtual ~PackageSource() = default;

  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual const Package& get(std::size_t i, Package& scratch) const = 0;
};

class PackageSpan final : public PackageSource {
public:
  explicit PackageSpan(std::span<const Package> packages) : m_packages(packages) {}
  [[nodiscard]] std::size_t size() const override { return m_packages.size(); }
  [[nodiscard]] const Package& get(std::size_t i, Package& /*scratch*/) const override {
    return m_packages[i];
  }

private:
  std::span<const Package> m_packages;
};

// Packages serialised one after the other into one buffer: a package costs
// its text and a few bytes, not the few hundred bytes of a Package object.
class PackedPackages final : public PackageSource {
public:
  void push_back(const Package& package);
  [[nodiscard]] std::size_t size() const override { return m_offsets.size(); }
  [[nodiscard]] bool empty() const { return m_offsets.empty(); }
  [[nodiscard]] const Package& get(std::size_t i, Package& scratch) const override;
  // Package I as a new object.
  [[nodiscard]] Package operator[](std::size_t i) const;
  // Replaces package I's installed_by (kept beside the buffer: set late,
  // from relationships that follow the packages).
  void set_installed_by(std::size_t i, std::string installed_by);
  [[nodiscard]] std::vector<Package> to_vector() const;

  class const_iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Package;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Package;

    const_iterator() = default;
    const_iterator(const PackedPackages* list, std::size_t index) : m_list(list), m_index(index) {}
    Package operator*() const { return (*m_list)[m_index]; }
    const_iterator& operator++() {
      ++m_index;
      return *this;
    }
    const_iterator operator++(int) {
      auto old = *this;
      ++m_index;
      return old;
    }
    bool operator==(const const_iterator& other) const { return m_index == other.m_index; }

  private:
    const PackedPackages* m_list = nullptr;
    std::size_t m_index = 0;
  };
  [[nodiscard]] const_iterator begin() const { return {this, 0}; }
  [[nodiscard]] const_iterator end() const { return {this, size()}; }

private:
  std::string m_buffer;
  std::vector<std::uint64_t> m_offsets;
  std::map<std::size_t, std::string> m_installed_by;
};

} // namespace moat::core
