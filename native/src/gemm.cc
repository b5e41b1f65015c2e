// Matrix products through latentkit's own SGEMM (sgemm.cc; Accelerate's cblas_sgemm on macOS), with the work split
// per product over latentkit's worker pool.
#include "kernels.h"
#include "parallel.h"
#include "sgemm.h"
#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>
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

// The sparse-operand path: measured per shape (the default), always taken where a product qualifies
// (LATENTKIT_SPARSE=1, and the tests, which must see every part of C written by it), or off (LATENTKIT_SPARSE=0).
static std::atomic<int>& sparseModeFlag() {
  static std::atomic<int> mode{[] {
    const char* env = std::getenv("LATENTKIT_SPARSE");
    return env && env[0] == '0' ? static_cast<int>(SparseMode::Off) : env && env[0] == '1' ? static_cast<int>(SparseMode::Always)
                                                                                             : static_cast<int>(SparseMode::Measured);
  }()};
  return mode;
}
SparseMode sparseMode() { return static_cast<SparseMode>(sparseModeFlag().load()); }
void useSparseMode(SparseMode mode) { sparseModeFlag().store(static_cast<int>(mode)); }

int maxThreads() {
  static int n = std::thread::hardware_concurrency() > 0 ? static_cast<int>(std::thread::hardware_concurrency()) : 1;
  return n;
}

int64_t gemmThreadThreshold() { return threadThreshold(); }

// One product on the calling thread: C (m×n, row stride ldc) = op(A) · op(B).
static void blas(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB, int lda, int ldb, int ldc,
                 const Epilogue* epilogue) {
  if (m == 0 || n == 0) return;
#ifdef LATENTKIT_ACCELERATE
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda,
              b, ldb, 0.0f, c, ldc);
  if (epilogue) {
    for (int i = 0; i < m; i++) biasActivation(c + static_cast<int64_t>(i) * ldc, epilogue->bias, 1, n, epilogue->act, epilogue->alpha);
  }
#else
  sgemm(a, b, c, m, n, k, transA, transB, lda, ldb, ldc, epilogue);
#endif
}

static void product(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB,
                    const Epilogue* epilogue = nullptr) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const int parts = static_cast<int64_t>(m) * n * k < threadThreshold() ? 1 : maxThreads();
  if (parts == 1) return blas(a, b, c, m, n, k, transA, transB, lda, ldb, n, epilogue);
  if (k >= 8 * std::max(m, n)) {
    // A long, thin product (a convolution's filter gradient: 288 × 6,272 × 64, 9 × 25,088 × 32): each part takes a
    // range of k, whole rows of both operands, into C or a partial sum of its own; the partials are then added and
    // the epilogue applied. (In row halves each part read half of every row of Aᵀ, and 9 rows split 4 + 5.)
    thread_local std::vector<float> partial;
    const size_t size = static_cast<size_t>(parts - 1) * m * n;
    if (partial.size() < size) partial.resize(size);
    float* const sums = partial.data();  // the caller's: inside a part, `partial` would name the running thread's own
    parallelParts(parts, [&](int p) {
      const int64_t k0 = static_cast<int64_t>(k) * p / parts, k1 = static_cast<int64_t>(k) * (p + 1) / parts;
      blas(transA ? a + k0 * lda : a + k0, transB ? b + k0 : b + k0 * ldb, p == 0 ? c : sums + static_cast<size_t>(p - 1) * m * n,
           m, n, static_cast<int>(k1 - k0), transA, transB, lda, ldb, n, nullptr);
    });
    const int64_t cells = static_cast<int64_t>(m) * n;
    for (int p = 1; p < parts; p++) {
      const float* add = sums + static_cast<size_t>(p - 1) * cells;
      for (int64_t i = 0; i < cells; i++) c[i] += add[i];
    }
    if (epilogue) biasActivation(c, epilogue->bias, m, n, epilogue->act, epilogue->alpha);
    return;
  }
  if (m >= n) {
    // Row blocks of C take row blocks of op(A): rows of A, or columns when A is transposed.
    parallelParts(parts, [&](int p) {
      const int r0 = static_cast<int>(static_cast<int64_t>(m) * p / parts), r1 = static_cast<int>(static_cast<int64_t>(m) * (p + 1) / parts);
      blas(transA ? a + r0 : a + static_cast<int64_t>(r0) * k, b, c + static_cast<int64_t>(r0) * n, r1 - r0, n, k, transA, transB, lda, ldb, n,
           epilogue);
    });
  } else {
    // Column blocks of C take column blocks of op(B): columns of B, or rows when B is transposed.
    parallelParts(parts, [&](int p) {
      // Boundaries at multiples of 32 columns (the widest micro-kernel tile), so that only the last part has an edge.
      const auto at = [&](int q) { return q == parts ? n : static_cast<int>(static_cast<int64_t>(n) * q / parts / 32 * 32); };
      const int c0 = at(p), c1 = at(p + 1);
      Epilogue part;
      if (epilogue) part = {epilogue->bias ? epilogue->bias + c0 : nullptr, epilogue->act, epilogue->alpha};
      blas(a, transB ? b + static_cast<int64_t>(c0) * k : b + c0, c + c0, m, c1 - c0, k, transA, transB, lda, ldb, n,
           epilogue ? &part : nullptr);
    });
  }
}

// Whether the sparse path beats the dense SGEMM is measured, not assumed: the first products of each shape, layout and
// density (in steps of 5 %) take the two paths in turns, timed as they do the caller's work (operands as cold as the
// caller leaves them), and after kTrials each the faster path's best time decides the rest. A constant tuned on one CPU
// did not carry to another (the sparse path lost to the dense one on an AVX-512 Xeon where it won on an EPYC); one
// timing of each, taken back to back with the operands in cache, chose the sparse path for training's Xᵀ·dH, which
// is 30–50 % slower than the dense product inside a training step.
namespace {
constexpr int kTrials = 3;
struct Choice {
  int runs[2] = {0, 0};  // dense, sparse
  double bestMs[2] = {INFINITY, INFINITY};
  bool decided() const { return runs[0] >= kTrials && runs[1] >= kTrials; }
  bool sparse() const { return bestMs[1] < bestMs[0]; }
};
std::mutex choicesMutex;
std::map<std::tuple<int, int, int, bool, int>, Choice> choices;

double millisecondsOf(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

// C = op(A)·B (+ epilogue) on whichever path pays, when A is a candidate for the sparse one; false (nothing done) when not.
static bool sparseCandidateProduct(const float* a, const float* b, float* c, int m, int n, int k, bool transA, const Epilogue* epilogue) {
  const double density = sparseDensity(a, m, n, k);
  if (density < 0) return false;
  const auto run = [&](bool sparse) {
    if (!sparse) return product(a, b, c, m, n, k, transA, false, epilogue);
    sparseProduct(a, b, c, m, n, k, transA);
    if (epilogue) biasActivation(c, epilogue->bias, m, n, epilogue->act, epilogue->alpha);
  };
  if (sparseMode() == SparseMode::Always) {
    run(true);
    return true;
  }
  Choice* trial = nullptr;  // while the two paths are still being timed
  bool sparse;
  {
    std::lock_guard<std::mutex> lock(choicesMutex);
    Choice& choice = choices[std::make_tuple(m, n, k, transA, static_cast<int>(density * 20))];
    if (choice.decided()) {
      sparse = choice.sparse();
    } else {
      sparse = choice.runs[1] < choice.runs[0];  // in turns, dense first
      trial = &choice;
    }
  }
  if (!trial) {
    run(sparse);
    return true;
  }
  const double ms = millisecondsOf([&] { run(sparse); });
  std::lock_guard<std::mutex> lock(choicesMutex);
  trial->runs[sparse]++;
  trial->bestMs[sparse] = std::min(trial->bestMs[sparse], ms);
  return true;
}

std::string sparseChoices() {
  std::lock_guard<std::mutex> lock(choicesMutex);
  std::string out;
  for (const auto& [key, choice] : choices) {
    const auto& [m, n, k, transA, bucket] = key;
    char line[200];
    const int written = std::snprintf(line, sizeof line, "%s%s%d×%d·%d×%d at %d–%d %% nonzero: ", out.empty() ? "" : "; ",
                                      transA ? "(Aᵀ) " : "", m, k, k, n, bucket * 5, bucket * 5 + 5);
    if (choice.decided()) {
      std::snprintf(line + written, sizeof line - written, "sparse %.3f ms, dense %.3f ms (best of %d each) → %s", choice.bestMs[1],
                    choice.bestMs[0], kTrials, choice.sparse() ? "sparse" : "dense");
    } else {
      std::snprintf(line + written, sizeof line - written, "being timed (%d of %d sparse, %d of %d dense)", choice.runs[1], kTrials,
                    choice.runs[0], kTrials);
    }
    out += line;
  }
  return out;
}

void gemm(const float* a, const float* b, float* c, int batch, int m, int n, int k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC, const Epilogue* epilogue) {
  for (int i = 0; i < batch; i++) {
    const float* ai = a + i * strideA;
    const float* bi = b + i * strideB;
    float* ci = c + i * strideC;
    if (k == 0) {
      for (int64_t j = 0; j < static_cast<int64_t>(m) * n; j++) ci[j] = 0.f;
      if (epilogue) biasActivation(ci, epilogue->bias, m, n, epilogue->act, epilogue->alpha);
      continue;
    }
    if (!transB && sparseMode() != SparseMode::Off && sparseCandidateProduct(ai, bi, ci, m, n, k, transA, epilogue)) continue;
    product(ai, bi, ci, m, n, k, transA, transB, epilogue);
  }
}

}  // namespace lk
