// latentkit's own SGEMM (sgemm.cc): the instruction-set paths, the block sizes in use, and the product itself.
#pragma once
#include <cstdint>
#include <vector>
#include "kernels.h"

namespace lk {

enum class Isa : int { Portable = 0, Avx2 = 1, Avx512 = 2 };

struct Blocking {
  int mc, kc, nc;
  long l1, l2;  // the cache sizes (bytes) they were derived from
};

const char* isaName(Isa isa);
// The path in use: the best the CPU supports, or LATENTKIT_ISA's; useIsa switches (false when the CPU lacks it).
Isa activeIsa();
bool useIsa(Isa isa);
Blocking activeBlocking();

// GFLOP/s of the active micro-kernel on one core, its operands in L1 (about 20 ms): the practical FMA peak.
double kernelPeakGflops();

// C (m × n, row stride ldc) = op(A) · op(B), op(A) m × k and op(B) k × n; A and B row-major with strides lda, ldb.
// An epilogue (bias indexed by C's columns 0..n) is applied to each tile after its last block of k.
void sgemm(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, int lda, int ldb, int ldc,
           const Epilogue* epilogue = nullptr);

}  // namespace lk
