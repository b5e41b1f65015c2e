// Matrix products through latentkit's own SGEMM (sgemm.cc; Accelerate's cblas_sgemm on macOS), with the work split
// per product over latentkit's worker pool.
#include "kernels.h"
#include "parallel.h"
#include "sgemm.h"
#include <cstdlib>
#include <thread>
#ifdef LATENTKIT_ACCELERATE
#include <Accelerate/Accelerate.h>
#endif

namespace lk {

// Dense products run on one thread per call; products of at least the threshold's multiply-adds are
// split in row (or column) halves over latentkit's own worker pool (parallel.cc). One pool serves every native kernel,
// so the BLAS's own spinning workers never compete with it for the cores. Measured on a 2-core EPYC (best of 200, one
// thread against two): 128×64×64 (0.5M multiply-adds) 10 against 5 µs, 128×20×400 (1M) 27 against 10 µs,
// 128×128×128 (2M) 45 against 27 µs, 128×400×784 (40M) 787 against 411 µs. Below 1M a sleeping worker's wake-up
// can cost more than it saves. LATENTKIT_GEMM_THREAD_THRESHOLD overrides the threshold.
static int64_t threadThreshold() {
  static int64_t t = [] {
    const char* env = std::getenv("LATENTKIT_GEMM_THREAD_THRESHOLD");
    return env ? std::atoll(env) : static_cast<int64_t>(1000) * 1000;
  }();
  return t;
}

// LATENTKIT_SPARSE=0 turns the sparse-operand path off (bench/ compares both).
bool sparseEnabled() {
  static bool on = [] {
    const char* env = std::getenv("LATENTKIT_SPARSE");
    return !(env && env[0] == '0');
  }();
  return on;
}

int maxThreads() {
  static int n = std::thread::hardware_concurrency() > 0 ? static_cast<int>(std::thread::hardware_concurrency()) : 1;
  return n;
}

int64_t gemmThreadThreshold() { return threadThreshold(); }

// One product on the calling thread: C (m×n, row stride ldc) = op(A) · op(B).
static void blas(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, int lda, int ldb, int ldc) {
  if (m == 0 || n == 0) return;
#ifdef LATENTKIT_ACCELERATE
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda,
              b, ldb, 0.0f, c, ldc);
#else
  sgemm(a, b, c, m, n, k, transA, transB, lda, ldb, ldc);
#endif
}

static void product(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const int parts = static_cast<int64_t>(m) * n * k < threadThreshold() ? 1 : maxThreads();
  if (parts == 1) return blas(a, b, c, m, n, k, transA, transB, lda, ldb, n);
  if (m >= n) {
    // Row blocks of C take row blocks of op(A): rows of A, or columns when A is transposed.
    parallelParts(parts, [&](int p) {
      const int r0 = static_cast<int>(static_cast<int64_t>(m) * p / parts), r1 = static_cast<int>(static_cast<int64_t>(m) * (p + 1) / parts);
      blas(transA ? a + r0 : a + static_cast<int64_t>(r0) * k, b, c + static_cast<int64_t>(r0) * n, r1 - r0, n, k, transA, transB, lda, ldb, n);
    });
  } else {
    // Column blocks of C take column blocks of op(B): columns of B, or rows when B is transposed.
    parallelParts(parts, [&](int p) {
      const int c0 = static_cast<int>(static_cast<int64_t>(n) * p / parts), c1 = static_cast<int>(static_cast<int64_t>(n) * (p + 1) / parts);
      blas(a, transB ? b + static_cast<int64_t>(c0) * k : b + c0, c + c0, m, c1 - c0, k, transA, transB, lda, ldb, n);
    });
  }
}

void gemm(const float* a, const float* b, float* c, int batch, int m, int n, int k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC) {
  for (int i = 0; i < batch; i++) {
    const float* ai = a + i * strideA;
    const float* bi = b + i * strideB;
    float* ci = c + i * strideC;
    if (k == 0) {
      for (int64_t j = 0; j < static_cast<int64_t>(m) * n; j++) ci[j] = 0.f;
      continue;
    }
    if (!transB && sparseEnabled() && sparseProduct(ai, bi, ci, m, n, k, transA)) continue;
    product(ai, bi, ci, m, n, k, transA, transB);
  }
}

}  // namespace lk
