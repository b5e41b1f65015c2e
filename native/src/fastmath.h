// Branch-free exp and log1p that compilers vectorize (libm's scalar calls block vectorization), and the clone
// attribute that compiles hot loops for AVX-512, AVX2 and baseline x86-64, picked at load time.
#pragma once
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__)
#define LK_VECTORIZE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LK_VECTORIZE
#endif

namespace lk {

// e^x for float x: x = n·ln2 + r with |r| ≤ ½ln2, e^r by its degree-6 Taylor polynomial (relative error < 2e-7),
// 2^n by building the exponent bits. Inputs are clamped to [−87.3, 88.7], the finite range of float e^x.
inline float fastExp(float x) {
  x = std::min(std::max(x, -87.3f), 88.7f);
  const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  const float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
  const float p = 1.f + r * (1.f + r * (0.5f + r * (1.f / 6 + r * (1.f / 24 + r * (1.f / 120 + r * (1.f / 720))))));
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// log(1 + e) for e in [0, 1]: 2·atanh(s) with s = e / (2 + e) ≤ ⅓, by its series to s¹³ (error < 1e-8).
inline float log1pUnit(float e) {
  const float s = e / (2.f + e);
  const float s2 = s * s;
  return 2.f * s * (1.f + s2 * (1.f / 3 + s2 * (1.f / 5 + s2 * (1.f / 7 + s2 * (1.f / 9 + s2 * (1.f / 11 + s2 * (1.f / 13)))))));
}

// softplus(v) = log(1 + e^v) = max(v, 0) + log1p(e^−|v|), exact in form for every v.
inline float softplus(float v) { return std::max(v, 0.f) + log1pUnit(fastExp(-std::fabs(v))); }

inline float sigmoid(float v) { return 1.f / (1.f + fastExp(-v)); }

}  // namespace lk
