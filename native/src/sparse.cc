// Products whose left operand is mostly zeros (the pixels of MNIST-like images): only its nonzeros are multiplied.
//
// The left operand is compressed into lists of (index, value) per output row — its rows for C = A·B, its columns for
// C = Aᵀ·B — and each output row is accumulated in registers from the rows of B that its nonzeros select. Measured on
// a 2-core EPYC with a fifth of A nonzero, 512×784 · 784×400 took 1.04–1.24 ms against 1.57–1.60 ms for OpenBLAS's
// dense sgemm on the same two cores; whether it pays against latentkit's own SGEMM on a given CPU is measured when a
// shape first appears (gemm.cc).
// Skipping a zero also skips 0·∞ = NaN, so a non-finite B shows only where a nonzero meets it.
#include "kernels.h"
#include "parallel.h"
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LK_SPARSE_AVX512 1
#define LK_AVX512 __attribute__((target("avx512f,avx512dq,popcnt")))
#endif

namespace lk {

#ifdef LK_SPARSE_AVX512
namespace {

// Compressed lists: the entries of output row r are idx/val[ptr[r] .. ptr[r + 1]).
struct Lists {
  std::vector<int> ptr, idx;
  std::vector<float> val;
};

// Nonzeros of each row of the rows × cols matrix a, appended with their column numbers.
LK_AVX512 void compressRows(const float* a, int rows, int cols, Lists& out) {
  out.ptr.resize(rows + 1);
  out.idx.resize(static_cast<size_t>(rows) * cols + 16);
  out.val.resize(static_cast<size_t>(rows) * cols + 16);
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int q = 0;
  for (int r = 0; r < rows; r++) {
    out.ptr[r] = q;
    const float* row = a + static_cast<int64_t>(r) * cols;
    int j = 0;
    // Compress in registers and store whole vectors (a compressing store to memory is microcoded and slow on Zen 4).
    for (; j + 16 <= cols; j += 16) {
      const __m512 v = _mm512_loadu_ps(row + j);
      const __mmask16 nz = _mm512_cmpneq_ps_mask(v, _mm512_setzero_ps());
      _mm512_storeu_ps(out.val.data() + q, _mm512_maskz_compress_ps(nz, v));
      _mm512_storeu_si512(out.idx.data() + q, _mm512_maskz_compress_epi32(nz, _mm512_add_epi32(iota, _mm512_set1_epi32(j))));
      q += __builtin_popcount(nz);
    }
    for (; j < cols; j++) {
      if (row[j] != 0.f) {
        out.idx[q] = j;
        out.val[q++] = row[j];
      }
    }
  }
  out.ptr[rows] = q;
}

// The same lists regrouped by column: entry (r, c, v) of `rows` becomes (c, r, v) of `cols`.
void transposeLists(const Lists& rows, int nRows, int nCols, Lists& cols) {
  const int nnz = rows.ptr[nRows];
  cols.ptr.assign(nCols + 1, 0);
  cols.idx.resize(nnz);
  cols.val.resize(nnz);
  for (int e = 0; e < nnz; e++) cols.ptr[rows.idx[e] + 1]++;
  for (int c = 0; c < nCols; c++) cols.ptr[c + 1] += cols.ptr[c];
  std::vector<int> next(cols.ptr.begin(), cols.ptr.end() - 1);
  for (int r = 0; r < nRows; r++) {
    for (int e = rows.ptr[r]; e < rows.ptr[r + 1]; e++) {
      const int at = next[rows.idx[e]]++;
      cols.idx[at] = r;
      cols.val[at] = rows.val[e];
    }
  }
}

// c[0 .. 16·NB) = Σ_e val[e] · b[idx[e], col .. col + 16·NB), accumulated in NB registers.
template <int NB>
LK_AVX512 inline void accumulate(const int* idx, const float* val, int count, const float* b, int64_t ldb, float* c) {
  __m512 acc[NB];
  for (int j = 0; j < NB; j++) acc[j] = _mm512_setzero_ps();
  for (int e = 0; e < count; e++) {
    const float* row = b + idx[e] * ldb;
    if (e + 4 < count) {
      const char* ahead = reinterpret_cast<const char*>(b + idx[e + 4] * ldb);
      for (int j = 0; j < NB; j++) _mm_prefetch(ahead + 64 * j, _MM_HINT_T0);
    }
    const __m512 v = _mm512_set1_ps(val[e]);
    for (int j = 0; j < NB; j++) acc[j] = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 16 * j), acc[j]);
  }
  for (int j = 0; j < NB; j++) _mm512_storeu_ps(c + 16 * j, acc[j]);
}

LK_AVX512 void accumulateTail(const int* idx, const float* val, int count, const float* b, int64_t ldb, float* c, int width) {
  const __mmask16 mask = static_cast<__mmask16>((1u << width) - 1);
  __m512 acc = _mm512_setzero_ps();
  for (int e = 0; e < count; e++) acc = _mm512_fmadd_ps(_mm512_set1_ps(val[e]), _mm512_maskz_loadu_ps(mask, b + idx[e] * ldb), acc);
  _mm512_mask_storeu_ps(c, mask, acc);
}

using Accumulate = void (*)(const int*, const float*, int, const float*, int64_t, float*);

template <int... NB>
constexpr std::array<Accumulate, sizeof...(NB) + 1> accumulators(std::integer_sequence<int, NB...>) {
  return {nullptr, &accumulate<NB + 1>...};
}

// Output rows r0..r1 of C (n columns), column panel by panel so that a panel of B stays in the core's L2 cache. The
// panels are as even as whole vectors allow (400 columns: 13 + 12 vectors, not 16 + 4 + 4 + 1): a narrow panel chains
// each accumulator's FMAs one after another and runs at a fraction of the speed.
LK_AVX512 void productRows(const Lists& l, int r0, int r1, const float* b, int n, float* c) {
  static constexpr auto table = accumulators(std::make_integer_sequence<int, 16>{});
  const int vectors = n / 16, panels = (vectors + 15) / 16;
  for (int p = 0, col = 0; p < panels; p++) {
    const int width = vectors * (p + 1) / panels - vectors * p / panels;
    for (int r = r0; r < r1; r++) {
      const int s = l.ptr[r];
      table[width](l.idx.data() + s, l.val.data() + s, l.ptr[r + 1] - s, b + col, n, c + static_cast<int64_t>(r) * n + col);
    }
    col += 16 * width;
  }
  if (n % 16 == 0) return;
  for (int r = r0; r < r1; r++) {
    const int s = l.ptr[r];
    accumulateTail(l.idx.data() + s, l.val.data() + s, l.ptr[r + 1] - s, b + 16 * vectors, n, c + static_cast<int64_t>(r) * n + 16 * vectors, n % 16);
  }
}

// Fraction of nonzeros among up to 4096 entries spread evenly over the matrix.
double sampledDensity(const float* a, int64_t size) {
  const int64_t samples = std::min<int64_t>(size, 4096);
  const int64_t step = size / samples;
  int64_t nonzero = 0;
  for (int64_t i = 0; i < samples; i++) nonzero += a[i * step] != 0.f;
  return static_cast<double>(nonzero) / static_cast<double>(samples);
}

}  // namespace

bool sparseSupported() {
  static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return supported;
}

double sparseDensity(const float* a, int m, int n, int k) {
  if (!sparseSupported() || static_cast<int64_t>(m) * n * k < SPARSE_MIN_MACS || n < 64) return -1;
  const double density = sampledDensity(a, static_cast<int64_t>(m) * k);
  return density > SPARSE_MAX_DENSITY ? -1 : density;
}

void sparseProduct(const float* a, const float* b, float* c, int m, int n, int k, bool transA) {
  static thread_local Lists rows, cols;
  const Lists* lists = &rows;
  if (transA) {
    compressRows(a, k, m, rows);  // a is k × m: its rows are the products' inner dimension
    transposeLists(rows, k, m, cols);
    lists = &cols;
  } else {
    compressRows(a, m, k, rows);
  }
  const int parts = m >= 64 ? maxThreads() : 1;
  parallelParts(parts, [&](int p) {
    productRows(*lists, static_cast<int>(static_cast<int64_t>(m) * p / parts), static_cast<int>(static_cast<int64_t>(m) * (p + 1) / parts), b, n, c);
  });
}

#else

bool sparseSupported() { return false; }
double sparseDensity(const float*, int, int, int) { return -1; }
void sparseProduct(const float*, const float*, float*, int, int, int, bool) {}

#endif

}  // namespace lk
