#include <moat/util/bytes.hpp>

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace moat::util {

namespace {

std::size_t count_tail(const char* p, std::size_t n, char b) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < n; ++i)
    total += static_cast<std::size_t>(p[i] == b);
  return total;
}

#if defined(__x86_64__)

// Byte counters: each compare adds 0 or 1 to a lane; a lane reaches at
// most 255 before the lanes are summed (psadbw) into the total.
std::size_t count_sse2(const char* p, std::size_t n, char b) {
  const __m128i wanted = _mm_set1_epi8(b);
  const __m128i zero = _mm_setzero_si128();
  std::size_t total = 0;
  std::size_t i = 0;
  while (n - i >= 16) {
    const std::size_t end = i + std::min<std::size_t>((n - i) / 16, 255) * 16;
    __m128i lanes = zero;
    for (; i < end; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, wanted));
    }
    const __m128i sums = _mm_sad_epu8(lanes, zero);
    total += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
  return total + count_tail(p + i, n - i, b);
}

__attribute__((target("avx2"))) std::size_t count_avx2(const char* p, std::size_t n, char b) {
  const __m256i wanted = _mm256_set1_epi8(b);
  const __m256i zero = _mm256_setzero_si256();
  std::size_t total = 0;
  std::size_t i = 0;
  while (n - i >= 32) {
    const std::size_t end = i + std::min<std::size_t>((n - i) / 32, 255) * 32;
    __m256i lanes = zero;
    for (; i < end; i += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
      lanes = _mm256_sub_epi8(lanes, _mm256_cmpeq_epi8(v, wanted));
    }
    const __m256i sums = _mm256_sad_epu8(lanes, zero);
    total += static_cast<std::size_t>(_mm256_extract_epi64(sums, 0)) +
             static_cast<std::size_t>(_mm256_extract_epi64(sums, 1)) +
             static_cast<std::size_t>(_mm256_extract_epi64(sums, 2)) +
             static_cast<std::size_t>(_mm256_extract_epi64(sums, 3));
  }
  return total + count_tail(p + i, n - i, b);
}

#endif

} // namespace

std::size_t count_byte(std::string_view text, char b) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2") != 0;
  return avx2 ? count_avx2(text.data(), text.size(), b) : count_sse2(text.data(), text.size(), b);
#else
  // Compilers vectorise this loop for the other targets' vector units.
  return count_tail(text.data(), text.size(), b);
#endif
}

} // namespace moat::util
