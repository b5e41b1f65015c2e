// Matrix products through CBLAS sgemm (OpenBLAS, or Accelerate on macOS), with a thread count chosen per product.
#include "kernels.h"
#include <cstdlib>
#include <thread>
#ifdef LATENTKIT_ACCELERATE
#include <Accelerate/Accelerate.h>
static void setBlasThreads(int) {}
#else
#include <cblas.h>
static void setBlasThreads(int n) { openblas_set_num_threads(n); }
#endif

namespace lk {

// Waking OpenBLAS's worker threads costs more than they save on small products: measured on a 2-core EPYC,
// 128×20×400 (1M multiply-adds) takes 30 µs on one thread and 40 µs on two, 128×128×128 (2M) 45 against 36 µs,
// 128×400×784 (40M) 820 against 465 µs. Products under this many multiply-adds therefore run on one thread.
// LATENTKIT_GEMM_THREAD_THRESHOLD overrides the threshold (bench/ measures it).
static int64_t threadThreshold() {
  static int64_t t = [] {
    const char* env = std::getenv("LATENTKIT_GEMM_THREAD_THRESHOLD");
    return env ? std::atoll(env) : static_cast<int64_t>(2) * 1000 * 1000;
  }();
  return t;
}
static int currentThreads = -1;

int maxThreads() {
  static int n = std::thread::hardware_concurrency() > 0 ? static_cast<int>(std::thread::hardware_concurrency()) : 1;
  return n;
}

int64_t gemmThreadThreshold() { return threadThreshold(); }

void setGemmThreads(int64_t flops) {
  int want = flops < threadThreshold() ? 1 : maxThreads();
  if (want != currentThreads) {
    setBlasThreads(want);
    currentThreads = want;
  }
}

void gemm(const float* a, const float* b, float* c, int batch, int m, int n, int k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC) {
  setGemmThreads(static_cast<int64_t>(m) * n * k);
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  for (int i = 0; i < batch; i++) {
    if (k == 0) {
      for (int64_t j = 0; j < static_cast<int64_t>(m) * n; j++) c[i * strideC + j] = 0.f;
      continue;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
                a + i * strideA, lda, b + i * strideB, ldb, 0.0f, c + i * strideC, n);
  }
}

}  // namespace lk
