// Standard normals for the VAE's noise: mulberry32 uniforms and Box–Muller pairs, as src/train/rng.ts draws them.
#include "kernels.h"
#include <cmath>

namespace lk {

namespace {

// mulberry32's next output in [0, 1), in the same 32-bit arithmetic as the TypeScript (Math.imul wraps alike).
inline double uniform(uint32_t& state) {
  state += 0x6d2b79f5u;
  uint32_t t = state;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
}

}  // namespace

uint32_t normalPairs(uint32_t state, float* out, int64_t pairs) {
  constexpr double twoPi = 2 * 3.14159265358979323846;
  for (int64_t p = 0; p < pairs; p++) {
    double u = 0;
    while (u == 0) u = uniform(state);
    const double r = std::sqrt(-2 * std::log(u));
    const double theta = twoPi * uniform(state);
    out[2 * p] = static_cast<float>(r * std::cos(theta));
    out[2 * p + 1] = static_cast<float>(r * std::sin(theta));
  }
  return state;
}

}  // namespace lk
