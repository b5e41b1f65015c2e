// Declarations of the native kernels: plain loops over float arrays, called from the N-API glue in addon.cc.
#pragma once
#include <cstdint>
#include <string>

namespace lk {

enum class Act : int { Linear = 0, Relu = 1, Sigmoid = 2, Elu = 3, Relu6 = 4, LeakyRelu = 5 };

// What a product's store applies to C: c = act(c + bias[column]); bias may be null.
struct Epilogue {
  const float* bias;
  Act act;
  float alpha;
};

// C[b] = op(A[b]) · op(B[b]) for each of `batch` products; a stride of 0 broadcasts one matrix to every product.
// With an epilogue, each tile of C gets its bias and activation while it is still in L1.
void gemm(const float* a, const float* b, float* c, int batch, int m, int n, int k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC, const Epilogue* epilogue = nullptr);
// C = op(A) · B (B not transposed) from the nonzeros of A alone. A product is a candidate with at least
// SPARSE_MIN_MACS multiply-adds, n ≥ 64, and at most SPARSE_MAX_DENSITY of A nonzero (estimated from a sample):
// sparseDensity returns that estimate, or −1 for a product that is no candidate (or a CPU without AVX-512).
constexpr int64_t SPARSE_MIN_MACS = 1000 * 1000;
constexpr double SPARSE_MAX_DENSITY = 0.25;
double sparseDensity(const float* a, int m, int n, int k);
void sparseProduct(const float* a, const float* b, float* c, int m, int n, int k, bool transA);
// The sparse-or-dense choices measured so far, as text for `latentkit doctor`.
std::string sparseChoices();
// Whether this CPU can take the sparse path, and when it is taken (LATENTKIT_SPARSE=0 off, =1 always, else measured).
bool sparseSupported();
enum class SparseMode { Measured, Always, Off };
SparseMode sparseMode();
void useSparseMode(SparseMode mode);
int64_t gemmThreadThreshold();
int maxThreads();

// out[i, 0..d) = src[row_i, 0..d) / 255 with row_i = order[start + i] (start + i when order is null); rows are width apart.
void unitRows(const uint8_t* src, int64_t d, const int32_t* order, int64_t start, int64_t n, float* out, int64_t width);

// out[r] = [a[r], b[r]]: the rows of a (na columns) and b (nb columns) side by side; and the inverse split.
void concatColumns(const float* a, int64_t na, const float* b, int64_t nb, int64_t rows, float* out);
void splitColumns(const float* in, int64_t rows, int64_t na, int64_t nb, float* a, float* b);

// out = in[row0 : row0 + rows, col0 : col0 + cols] for a row-major matrix of inCols columns.
void slice2d(const float* in, int64_t inCols, int64_t row0, int64_t col0, int64_t rows, int64_t cols, float* out);

// 2·pairs standard normals from mulberry32 state `state` (Box–Muller, in double); returns the state after them.
uint32_t normalPairs(uint32_t state, float* out, int64_t pairs);

// In place: c[i, j] = act(c[i, j] + bias[j]) for an m×n matrix; bias may be null.
void biasActivation(float* c, const float* bias, int64_t m, int64_t n, Act act, float alpha);
// The same on an m × n block of rows ldc apart (a block of a larger C).
void biasActivationStrided(float* c, int64_t ldc, const float* bias, int64_t m, int64_t n, Act act, float alpha);

enum class Binary : int { Add = 0, Sub, Mul, Div, Max, Min, SquaredDiff, Pow };
// out[i] = a[ia(i)] ∘ b[ib(i)] over an [outer, inner] grid; each operand is full, a row (inner), a column (outer) or a scalar.
enum class Layout : int { Full = 0, Row = 1, Col = 2, Scalar = 3 };
void binary(Binary op, const float* a, Layout la, const float* b, Layout lb, float* out, int64_t outer, int64_t inner);

enum class Unary : int { Relu = 0, Exp, Log, Neg, Abs, Log1p, Square, Sqrt, Sigmoid, Softplus, Tanh, Step, Rsqrt, Reciprocal, Elu };
void unary(Unary op, const float* x, float* out, int64_t n, float alpha);

// out[o, i] = Σ_r x[o, r, i] for x of shape [outer, reduce, inner].
void sum3(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner);

// Whether every element of x is finite (no NaN, no ±∞).
bool allFinite(const float* x, int64_t n);

// Adam (Kingma & Ba 2015) in place, the form tfjs and PyTorch use:
// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
void adam(float* p, float* m, float* v, const float* g, int64_t n, float lr, float beta1, float beta2, float eps,
          float oneMinusAccBeta1, float oneMinusAccBeta2);

// Σ over features of the Bernoulli NLL on logits, per row, and its gradient (σ(l) − x) · dy[row].
void bceLogitsRows(const float* logits, const float* x, float* out, int64_t rows, int64_t d);
void bceLogitsGrad(const float* logits, const float* x, const float* dy, float* dLogits, int64_t rows, int64_t d);

void squaredErrorRows(const float* p, const float* x, float* out, int64_t rows, int64_t d);
void squaredErrorGrad(const float* p, const float* x, const float* dy, float* dp, int64_t rows, int64_t d);
void activationGrad(const float* y, const float* dy, float* dz, int64_t n, Act act);
void gaussianHead(const float* mu, const float* raw, const float* eps, float* z, float* kl, int64_t rows, int64_t k, float lo, float hi);
void gaussianHeadGrad(const float* mu, const float* raw, const float* eps, const float* dz, const float* dkl, float* dmu,
                      float* draw, int64_t rows, int64_t k, float lo, float hi);

// An NHWC convolution: input [n, h, w, c], filter [fh, fw, c, outC], output [n, oh, ow, outC].
struct ConvShape {
  int n, h, w, c, fh, fw, sh, sw, dh, dw, padTop, padLeft, oh, ow;
};
void im2col(const float* x, float* cols, const ConvShape& s);
void col2im(const float* cols, float* x, const ConvShape& s);

}  // namespace lk
