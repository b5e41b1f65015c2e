// Packing of GEMM operands. The strided layouts (A not transposed, B transposed) are transposes: the strip wants, for
// each p, the values of 8 (or 32) different rows. One float at a time that took 10–15 % of a product's time; with AVX
// an 8 × 8 block is loaded as 8 rows and stored as 8 columns, 24 shuffles for 64 floats.
#include "pack.h"
#include <algorithm>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace lk {
namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LK_HAVE_AVX_TRANSPOSE 1
// dst[p·ldd + r] = src[r·lds + p] for r, p < 8.
__attribute__((target("avx"))) inline void transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // r_i0 r_j0 r_i1 r_j1 | r_i4 r_j4 r_i5 r_j5
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // r_i2 r_j2 r_i3 r_j3 | r_i6 r_j6 r_i7 r_j7
  }
  __m256 u[8];
  for (int h = 0; h < 8; h += 4) {
    u[h] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));      // column 0 (and 4) of rows h … h + 3
    u[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));  // column 1 (and 5)
    u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));  // column 2 (and 6)
    u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));  // column 3 (and 7)
  }
  for (int c = 0; c < 4; c++) {
    _mm256_storeu_ps(dst + c * ldd, _mm256_permute2f128_ps(u[c], u[c + 4], 0x20));
    _mm256_storeu_ps(dst + (c + 4) * ldd, _mm256_permute2f128_ps(u[c], u[c + 4], 0x31));
  }
}

// out[p·width + q] = src[q·lds + p] for p < kc, q < width (a multiple of 8), 8 × 8 blocks, the last p one by one.
// `next` (or null) is the next strip's first row: its lines are prefetched while this strip is packed, one per 64 bytes
// of each row, so that a strip's short rows (kc floats) do not each start with a wait on memory.
__attribute__((target("avx"))) void transposeStrip(const float* src, int64_t lds, int kc, int width, float* out, const float* next) {
  int p = 0;
  for (; p + 8 <= kc; p += 8) {
    if (next && p % 16 == 0) {
      for (int q = 0; q < width; q++) _mm_prefetch(reinterpret_cast<const char*>(next + q * lds + p), _MM_HINT_T0);
    }
    for (int q = 0; q < width; q += 8) transpose8x8(src + q * lds + p, lds, out + static_cast<int64_t>(p) * width + q, width);
  }
  for (; p < kc; p++) {
    for (int q = 0; q < width; q++) out[static_cast<int64_t>(p) * width + q] = src[q * lds + p];
  }
}
#endif

// strip[p·W + q] = src[p·ld + q] for p < kc, q < W.
template <int W>
void copyRows(const float* src, int64_t ld, int kc, float* strip) {
  for (int p = 0; p < kc; p++) std::memcpy(strip + p * W, src + p * ld, W * sizeof(float));
}

// The strips of one operand, `count` columns of a kc-deep panel in `width`-wide strips: strip[p·width + q] =
// src(q, p), where src(q, p) = base[p·ld + q] (contiguous in q) or, `transposing`, base[q·ld + p]. Zeros past count.
void packStrips(const float* base, int64_t ld, bool transposing, int count, int kc, int width, float* out, bool avx) {
  for (int t = 0; t < count; t += width) {
    const int cols = std::min(width, count - t);
    float* strip = out + static_cast<int64_t>(t) * kc;
#if defined(LK_HAVE_AVX_TRANSPOSE)
    if (avx && transposing && cols == width && width % 8 == 0) {
      const bool more = t + 2 * width <= count;
      transposeStrip(base + t * ld, ld, kc, width, strip, more ? base + (t + width) * ld : nullptr);
      continue;
    }
#endif
    if (!transposing && cols == width) {
      // The micro-kernels' widths are copied with a constant size (inline vector moves, not a call per row): 55 → 21
      // Mcycles for the A operand of 400 × 512 × 784 (TN) on AVX-512.
      switch (width) {
        case 4: copyRows<4>(base + t, ld, kc, strip); continue;
        case 6: copyRows<6>(base + t, ld, kc, strip); continue;
        case 8: copyRows<8>(base + t, ld, kc, strip); continue;
        case 16: copyRows<16>(base + t, ld, kc, strip); continue;
        case 32: copyRows<32>(base + t, ld, kc, strip); continue;
        default: break;
      }
    }
    for (int p = 0; p < kc; p++) {
      float* dst = strip + static_cast<int64_t>(p) * width;
      if (transposing) {
        const float* src = base + t * ld + p;
        for (int q = 0; q < cols; q++) dst[q] = src[q * ld];
      } else {
        std::memcpy(dst, base + p * ld + t, sizeof(float) * cols);
      }
      for (int q = cols; q < width; q++) dst[q] = 0.f;
    }
  }
}

}  // namespace

void transposeInto(const float* src, int rows, int cols, int64_t lds, float* dst, int64_t ldd, bool avx) {
  // Element by element: rows [r0, r1), columns [c0, cols).
  const auto single = [&](int r0, int r1, int c0) {
    for (int r = r0; r < r1; r++) {
      for (int c = c0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
    }
  };
  int r0 = 0;
#if defined(LK_HAVE_AVX_TRANSPOSE)
  if (avx) {
    for (; r0 + 8 <= rows; r0 += 8) {
      int c0 = 0;
      for (; c0 + 8 <= cols; c0 += 8) transpose8x8(src + r0 * lds + c0, lds, dst + c0 * ldd + r0, ldd);
      single(r0, r0 + 8, c0);
    }
  }
#endif
  (void)avx;
  single(r0, rows, 0);
}

// op(A)'s rows are the strips' columns: A's rows when not transposed (a transpose), its columns when transposed.
void packA(const float* a, int lda, bool transA, int i0, int mc, int p0, int kc, int mr, float* out, bool avx) {
  packStrips(transA ? a + static_cast<int64_t>(p0) * lda + i0 : a + static_cast<int64_t>(i0) * lda + p0, lda, !transA, mc, kc, mr, out, avx);
}

// op(B)'s columns are the strips' columns: B's columns when not transposed, its rows when transposed (a transpose).
void packB(const float* b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* out, bool avx) {
  packStrips(transB ? b + static_cast<int64_t>(j0) * ldb + p0 : b + static_cast<int64_t>(p0) * ldb + j0, ldb, transB, nc, kc, nr, out, avx);
}

}  // namespace lk
