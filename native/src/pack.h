// Packing of GEMM operands into the micro-kernel's layout (pack.cc), for sgemm.cc.
#pragma once
#include <cstdint>

namespace lk {

// Rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) in MR-tall strips: strip s holds, for each p, the MR values of
// rows i0 + s·MR … (zeros past mc). `avx`: the CPU has AVX (8 × 8 blocks are then transposed in registers).
void packA(const float* a, int lda, bool transA, int i0, int mc, int p0, int kc, int mr, float* out, bool avx);

// Rows [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) in NR-wide strips (zeros past nc).
void packB(const float* b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float* out, bool avx);

// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols.
void transposeInto(const float* src, int rows, int cols, int64_t lds, float* dst, int64_t ldd, bool avx);

}  // namespace lk
