// latentkit's own single-precision GEMM, C = op(A)·op(B) (row-major, any leading dimensions), in the BLIS layout:
// B is packed in kc × NR strips and A in MR × kc strips, and a register-blocked micro-kernel multiplies one strip of
// each into an MR × NR tile of C. The micro-kernel is picked when the library loads, from what the CPU supports:
// AVX-512 (8 × 32 tile, 16 zmm accumulators), AVX2 + FMA (6 × 16, 12 ymm) or a portable one (4 × 8, plain loops).
// Block sizes come from the cache sizes the CPU reports. LATENTKIT_ISA=avx512|avx2|portable forces a path.
// (Goto & van de Geijn 2008, "Anatomy of high-performance matrix multiplication"; Van Zee & van de Geijn 2015, BLIS.)
#include "sgemm.h"
#include "pack.h"
#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace lk {
namespace {

// One micro-kernel: c[0..mr) × [0..nr) (+)= pa (kc × MR, packed) · pb (kc × NR, packed). A full tile writes C in
// place; an edge tile goes through `tile` (MR × NR) and only its mr × nr corner is stored.
using Kernel = void (*)(int kc, const float* pa, const float* pb, float* c, int ldc, bool accumulate);

// Row kernels for fewer rows than this split k over several sets of accumulators (their FMA chains are too short to
// hide the latency otherwise), so they sum each element in another order than every other kernel, which sums in the
// order of k.
constexpr int kSequentialRows = 4;

template <int MR, int NR>
void portableKernel(int kc, const float* pa, const float* pb, float* c, int ldc, bool accumulate) {
  float acc[MR][NR] = {};
  for (int p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float ai = pa[p * MR + i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * pb[p * NR + j];
    }
  }
  for (int i = 0; i < MR; i++) {
    for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void avx2Kernel(int kc, const float* pa, const float* pb, float* c, int ldc, bool accumulate) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(pb + p * 16), b1 = _mm256_loadu_ps(pb + p * 16 + 8);
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(pa + p * MR + i);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < MR; i++) {
    float* row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, acc[i][0]);
    _mm256_storeu_ps(row + 8, acc[i][1]);
  }
}

// An edge strip of at most 16 columns: 8 × 16 from the first half of a packed 32-wide strip, so that a
// 400- or 784-column product (or a 40-column one) does not spend a full 8 × 32 tile on its last 16 or 8 columns.
__attribute__((target("avx512f"))) void avx512HalfKernel(int kc, const float* pa, const float* pb, float* c, int ldc, bool accumulate) {
  constexpr int MR = 8;
  __m512 acc[MR];
  for (int i = 0; i < MR; i++) acc[i] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(pb + p * 32);
    for (int i = 0; i < MR; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(pa[p * MR + i]), b0, acc[i]);
  }
  for (int i = 0; i < MR; i++) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[i]);
  }
}
// ROWS × 32 of C from an 8-row packed strip of A: ROWS = 8 is the full tile (16 zmm accumulators); ROWS < 8 are the
// last rows of a product, straight into C, so that a 9-row product (a 3 × 3 convolution's weight gradient) does not
// spend a full tile through a buffer on its ninth row. With few rows the FMA chains are too short to hide their
// latency, so k is split over U independent sets of accumulators, summed at the end.
template <int ROWS>
__attribute__((target("avx512f"))) void avx512RowsKernel(int kc, const float* pa, const float* pb, float* c, int ldc, bool accumulate) {
  constexpr int MR = 8;
  constexpr int U = ROWS >= kSequentialRows ? 1 : ROWS >= 2 ? 2 : 4;
  __m512 acc[U][ROWS][2];
  for (int u = 0; u < U; u++) {
    for (int i = 0; i < ROWS; i++) acc[u][i][0] = acc[u][i][1] = _mm512_setzero_ps();
  }
  int p = 0;
  for (; p + U <= kc; p += U) {
    for (int u = 0; u < U; u++) {
      const __m512 b0 = _mm512_loadu_ps(pb + (p + u) * 32), b1 = _mm512_loadu_ps(pb + (p + u) * 32 + 16);
      for (int i = 0; i < ROWS; i++) {
        const __m512 a = _mm512_set1_ps(pa[(p + u) * MR + i]);
        acc[u][i][0] = _mm512_fmadd_ps(a, b0, acc[u][i][0]);
        acc[u][i][1] = _mm512_fmadd_ps(a, b1, acc[u][i][1]);
      }
    }
  }
  for (; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(pb + p * 32), b1 = _mm512_loadu_ps(pb + p * 32 + 16);
    for (int i = 0; i < ROWS; i++) {
      const __m512 a = _mm512_set1_ps(pa[p * MR + i]);
      acc[0][i][0] = _mm512_fmadd_ps(a, b0, acc[0][i][0]);
      acc[0][i][1] = _mm512_fmadd_ps(a, b1, acc[0][i][1]);
    }
  }
  for (int i = 0; i < ROWS; i++) {
    for (int u = 1; u < U; u++) {
      acc[0][i][0] = _mm512_add_ps(acc[0][i][0], acc[u][i][0]);
      acc[0][i][1] = _mm512_add_ps(acc[0][i][1], acc[u][i][1]);
    }
    float* row = c + i * ldc;
    if (accumulate) {
      acc[0][i][0] = _mm512_add_ps(acc[0][i][0], _mm512_loadu_ps(row));
      acc[0][i][1] = _mm512_add_ps(acc[0][i][1], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, acc[0][i][0]);
    _mm512_storeu_ps(row + 16, acc[0][i][1]);
  }
}
const Kernel avx512Kernel = avx512RowsKernel<8>;
const Kernel avx512RowKernels[8] = {
  nullptr, avx512RowsKernel<1>, avx512RowsKernel<2>, avx512RowsKernel<3>, avx512RowsKernel<4>, avx512RowsKernel<5>,
  avx512RowsKernel<6>, avx512RowsKernel<7>,
};
#define LK_HAVE_X86_KERNELS 1
#endif

struct Path {
  Isa isa;
  int mr, nr;
  Kernel kernel;
  // A kernel for the first nr / 2 columns of a strip, or null.
  Kernel half;
  // Kernels for the first r < mr rows of a strip and all its nr columns, by r (entry 0 unused), or null.
  const Kernel* rows;
};

bool cpuHas(Isa isa) {
#if defined(LK_HAVE_X86_KERNELS)
  if (isa == Isa::Avx512) return __builtin_cpu_supports("avx512f");
  if (isa == Isa::Avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == Isa::Portable;
}

Path pathFor(Isa isa) {
#if defined(LK_HAVE_X86_KERNELS)
  if (isa == Isa::Avx512) return {isa, 8, 32, avx512Kernel, avx512HalfKernel, avx512RowKernels};
  if (isa == Isa::Avx2) return {isa, 6, 16, avx2Kernel, nullptr, nullptr};
#endif
  return {Isa::Portable, 4, 8, portableKernel<4, 8>, nullptr, nullptr};
}

Isa bestIsa() {
  const char* forced = std::getenv("LATENTKIT_ISA");
  if (forced) {
    for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Portable}) {
      if (std::strcmp(forced, isaName(isa)) == 0 && cpuHas(isa)) return isa;
    }
  }
  for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
    if (cpuHas(isa)) return isa;
  }
  return Isa::Portable;
}

Path& active() {
  static Path path = pathFor(bestIsa());
  return path;
}

long cacheBytes(int name, long fallback) {
  const long v = sysconf(name);
  return v > 0 ? v : fallback;
}

// Block sizes from the caches: the kc × NR strip of B that every MR-row strip of A meets fills L1, and the mc × kc
// block of A takes half of L2. (Measured on a 2-core Zen 5 EPYC, 48 KiB L1d: kc 384 moved the 128×784×400 products
// 5–10 % above kc 144, the half-L1 rule's value, by passing over C fewer times.)
Blocking blockingFor(const Path& path) {
  const long l1 = cacheBytes(_SC_LEVEL1_DCACHE_SIZE, 32 * 1024), l2 = cacheBytes(_SC_LEVEL2_CACHE_SIZE, 512 * 1024);
  int kc = static_cast<int>(l1 / (4 * path.nr));
  kc = std::clamp(kc / 16 * 16, 128, 512);
  int mc = static_cast<int>(l2 / 2 / (4 * kc));
  mc = std::clamp(mc / path.mr * path.mr, path.mr, 1024 / path.mr * path.mr);
  return {mc, kc, 4096, l1, l2};
}

// A scratch array per thread that only grows (the worker pool's threads each keep their own).
float* scratch(std::vector<float>& buffer, size_t floats) {
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

Isa activeIsa() { return active().isa; }

bool useIsa(Isa isa) {
  if (!cpuHas(isa)) return false;
  active() = pathFor(isa);
  return true;
}

Blocking activeBlocking() {
  static Blocking blocking = blockingFor(active());
  Blocking b = blocking;
  // A forced path keeps the cache-derived kc and nc; mc stays a multiple of its MR.
  b.mc = std::max(active().mr, b.mc / active().mr * active().mr);
  return b;
}

double kernelPeakGflops() {
  const Path path = active();
  const int kc = activeBlocking().kc;
  std::vector<float> pa(static_cast<size_t>(path.mr) * kc, 0.5f), pb(static_cast<size_t>(path.nr) * kc, 0.25f);
  alignas(64) float tile[8 * 32] = {};
  const auto start = std::chrono::steady_clock::now();
  int64_t calls = 0;
  double seconds = 0;
  do {
    for (int r = 0; r < 64; r++) path.kernel(kc, pa.data(), pb.data(), tile, path.nr, true);
    calls += 64;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (seconds < 0.02);
  return 2.0 * path.mr * path.nr * kc * static_cast<double>(calls) / seconds / 1e9;
}

// c = act(c + bias) on a rows × cols block of C (row stride ldc), with the element-wise kernel.
void applyEpilogue(float* c, int ldc, int rows, int cols, const Epilogue& e, int column) {
  biasActivationStrided(c, ldc, e.bias ? e.bias + column : nullptr, rows, cols, e.act, e.alpha);
}

namespace {

// One block of C: rows [0, mc) × columns [0, nc) (+)= the packed A block (mc × kc) · the packed B panel (kc × nc), NR
// columns at a time, each strip of B meeting every strip of A; the epilogue (after the last block of k) once per
// finished mc × NR strip of C, still in L1 (per tile, the call cost more than the work). `column` is C's first column.
void multiplyBlock(const Path& path, const float* pa, const float* pb, float* c, int ldc, int mc, int nc, int kc, bool accumulate,
                   const Epilogue* epilogue, int column) {
  const int mr = path.mr, nr = path.nr;
  alignas(64) float tile[8 * 32];
  for (int jr = 0; jr < nc; jr += nr) {
    const int cols = std::min(nr, nc - jr);
    const float* stripB = pb + static_cast<int64_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += mr) {
      const int rows = std::min(mr, mc - ir);
      float* ct = c + static_cast<int64_t>(ir) * ldc + jr;
      const float* stripA = pa + static_cast<int64_t>(ir) * kc;
      if (rows == mr && cols == nr) {
        path.kernel(kc, stripA, stripB, ct, ldc, accumulate);
      } else if (cols == nr && path.rows) {
        path.rows[rows](kc, stripA, stripB, ct, ldc, accumulate);
      } else {
        if (path.half && cols <= nr / 2) {
          path.half(kc, stripA, stripB, tile, nr, false);
        } else {
          path.kernel(kc, stripA, stripB, tile, nr, false);
        }
        for (int i = 0; i < rows; i++) {
          float* dst = ct + static_cast<int64_t>(i) * ldc;
          const float* src = tile + i * nr;
          if (accumulate) {
            for (int j = 0; j < cols; j++) dst[j] += src[j];
          } else {
            std::memcpy(dst, src, sizeof(float) * cols);
          }
        }
      }
    }
    if (epilogue) applyEpilogue(c + jr, ldc, mc, cols, *epilogue, column + jr);
  }
}

// Columns of C the kernels compute for n of them: whole NR strips, the last one half wide when a half kernel fits it.
int columnsComputed(const Path& path, int n) {
  const int rest = n % path.nr;
  return n - rest + (rest == 0 ? 0 : path.half && rest <= path.nr / 2 ? path.nr / 2 : path.nr);
}

// Whether C is better computed as its transpose, Cᵀ = op(B)ᵀ · op(A)ᵀ: when C's last strip of columns is mostly
// padding (20 columns computed as 32, 40 as 48) and its rows are many, so that in Cᵀ those columns become rows, which
// the row kernels take exactly (AVX-512). Work counted as rows × columns computed, the swap taken when it saves over
// a tenth (so that a swapped product never swaps back). On one core: 128×400×20 NT 96 → 134 GFLOP/s, 400×128×40 TN
// 149 → 178, 512×400×40 NN 145 → 167 (alternating runs).
//
// Not when Cᵀ would end in fewer than kSequentialRows rows, whose kernels sum in another order: an element of C would
// then depend on how many rows the product has (a file encoded in chunks would no longer give the codes of the whole,
// byte for byte).
bool swapPays(const Path& path, int m, int n) {
  if (!path.rows || (n % path.mr > 0 && n % path.mr < kSequentialRows)) return false;
  return static_cast<int64_t>(m) * columnsComputed(path, n) * 10 > static_cast<int64_t>(n) * columnsComputed(path, m) * 11;
}

// k in equal blocks of about kc: a remainder of up to a quarter of kc joins the other blocks rather than making a
// short block of its own, which would pass over all of C again for little work (784 = 2 × 392, not 384 + 384 + 16).
int kBlockSize(int k, int kc) {
  const int blocks = std::max(1, (4 * k + 3 * kc) / (4 * kc));
  return (k + blocks - 1) / blocks;
}

}  // namespace

void sgemm(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, int lda, int ldb, int ldc,
           const Epilogue* epilogue) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; i++) std::fill(c + static_cast<int64_t>(i) * ldc, c + static_cast<int64_t>(i) * ldc + n, 0.f);
    if (epilogue) applyEpilogue(c, ldc, m, n, *epilogue, 0);
    return;
  }
  const Path path = active();
  const Blocking blk = activeBlocking();
  const int mr = path.mr, nr = path.nr;
  const bool avx = path.isa != Isa::Portable;
  if (swapPays(path, m, n)) {
    thread_local std::vector<float> swapped;
    float* ct = scratch(swapped, static_cast<size_t>(n) * m);
    sgemm(b, a, ct, n, m, k, !transB, !transA, ldb, lda, m, nullptr);
    transposeInto(ct, n, m, m, c, ldc, avx);
    if (epilogue) applyEpilogue(c, ldc, m, n, *epilogue, 0);
    return;
  }
  thread_local std::vector<float> aBuffer, bBuffer;
  const int kcBlock = kBlockSize(k, blk.kc);
  const int ncMax = std::min(blk.nc, (n + nr - 1) / nr * nr);
  float* pb = scratch(bBuffer, static_cast<size_t>(ncMax) * kcBlock);
  float* pa = scratch(aBuffer, static_cast<size_t>(std::min(blk.mc, (m + mr - 1) / mr * mr)) * kcBlock);
  for (int jc = 0; jc < n; jc += blk.nc) {
    const int nc = std::min(blk.nc, n - jc);
    for (int pc = 0; pc < k; pc += kcBlock) {
      const int kc = std::min(kcBlock, k - pc);
      packB(b, ldb, transB, pc, kc, jc, nc, nr, pb, avx);
      for (int ic = 0; ic < m; ic += blk.mc) {
        const int mc = std::min(blk.mc, m - ic);
        packA(a, lda, transA, ic, mc, pc, kc, mr, pa, avx);
        multiplyBlock(path, pa, pb, c + static_cast<int64_t>(ic) * ldc + jc, ldc, mc, nc, kc, pc > 0, pc + kc >= k ? epilogue : nullptr, jc);
      }
    }
  }
}

}  // namespace lk
