// Standard normals for the VAE's noise: mulberry32 uniforms and Box–Muller pairs, as src/train/rng.ts draws them.
#include "kernels.h"
#include <algorithm>
#include <cmath>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <dlfcn.h>
#endif

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

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && !defined(__clang__)
#define LK_HAVE_LIBMVEC 1
// glibc's vector math (libmvec.so.1, part of libc6): 8 doubles per call, within 4 ulp of the scalar functions, so that
// the floats drawn equal the scalar path's but for a rare rounding tie (the tests allow 2 in 200,000). Looked up when
// first needed rather than linked, so that a system without it still loads the addon and draws on the scalar path.
struct VectorMath {
  void *log, *sin, *cos;
};

const VectorMath* vectorMath() {
  static const VectorMath found = [] {
    VectorMath v{};
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) return v;
    void* lib = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return v;
    v.log = dlsym(lib, "_ZGVeN8v_log");
    v.sin = dlsym(lib, "_ZGVeN8v_sin");
    v.cos = dlsym(lib, "_ZGVeN8v_cos");
    return v;
  }();
  return found.log && found.sin && found.cos ? &found : nullptr;
}

// r·cos θ and r·sin θ of 8 pairs of uniforms at a time, interleaved into out (the same formulas as the scalar loop).
__attribute__((target("avx512f,avx512dq"))) static void boxMuller8(const VectorMath& vm, const double* u1, const double* u2, float* out,
                                                                int64_t n) {
  using Fn = __m512d (*)(__m512d);
  const Fn log8 = reinterpret_cast<Fn>(vm.log), sin8 = reinterpret_cast<Fn>(vm.sin), cos8 = reinterpret_cast<Fn>(vm.cos);
  const __m512d minusTwo = _mm512_set1_pd(-2.0), twoPi = _mm512_set1_pd(2 * 3.14159265358979323846);
  const __m512i interleave = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    const __m512d r = _mm512_sqrt_pd(_mm512_mul_pd(minusTwo, log8(_mm512_loadu_pd(u1 + i))));
    const __m512d theta = _mm512_mul_pd(twoPi, _mm512_loadu_pd(u2 + i));
    const __m256 c = _mm512_cvtpd_ps(_mm512_mul_pd(r, cos8(theta)));
    const __m256 s = _mm512_cvtpd_ps(_mm512_mul_pd(r, sin8(theta)));
    const __m512 both = _mm512_insertf32x8(_mm512_castps256_ps512(c), s, 1);
    _mm512_storeu_ps(out + 2 * i, _mm512_permutexvar_ps(interleave, both));
  }
}
#endif

uint32_t normalPairs(uint32_t state, float* out, int64_t pairs) {
  constexpr double twoPi = 2 * 3.14159265358979323846;
  int64_t p = 0;
#if defined(LK_HAVE_LIBMVEC)
  // The uniforms are drawn in order (the generator is sequential, and a first uniform of 0 is drawn again), then
  // transformed 8 pairs at a time; the last pairs of a call go through the scalar loop.
  if (const VectorMath* vm = vectorMath()) {
    constexpr int64_t CHUNK = 256;
    double u1[CHUNK], u2[CHUNK];
    while (pairs - p >= 8) {
      const int64_t n = std::min(CHUNK, (pairs - p) / 8 * 8);
      for (int64_t i = 0; i < n; i++) {
        double u = 0;
        while (u == 0) u = uniform(state);
        u1[i] = u;
        u2[i] = uniform(state);
      }
      boxMuller8(*vm, u1, u2, out + 2 * p, n);
      p += n;
    }
  }
#endif
  for (; p < pairs; p++) {
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
