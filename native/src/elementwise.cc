// Element-wise kernels: broadcasting binary ops, unary ops, a reduction, and the in-place Adam update.
#include "kernels.h"
#include "fastmath.h"
#include "parallel.h"
#include <cmath>
#include <algorithm>

namespace lk {

template <typename F>
static void binaryLoop(F f, const float* a, Layout la, const float* b, Layout lb, float* out, int64_t outer, int64_t inner) {
  auto index = [inner](Layout l, int64_t o, int64_t i) -> int64_t {
    switch (l) {
      case Layout::Full: return o * inner + i;
      case Layout::Row: return i;
      case Layout::Col: return o;
      default: return 0;
    }
  };
  if (la == Layout::Full && lb == Layout::Full) {
    const int64_t n = outer * inner;
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (la == Layout::Full && lb == Layout::Scalar) {
    const float s = b[0];
    const int64_t n = outer * inner;
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], s);
    return;
  }
  if (la == Layout::Scalar && lb == Layout::Full) {
    const float s = a[0];
    const int64_t n = outer * inner;
    for (int64_t i = 0; i < n; i++) out[i] = f(s, b[i]);
    return;
  }
  for (int64_t o = 0; o < outer; o++) {
    float* row = out + o * inner;
    if (la == Layout::Full && lb == Layout::Row) {
      const float* ar = a + o * inner;
      for (int64_t i = 0; i < inner; i++) row[i] = f(ar[i], b[i]);
    } else if (la == Layout::Row && lb == Layout::Full) {
      const float* br = b + o * inner;
      for (int64_t i = 0; i < inner; i++) row[i] = f(a[i], br[i]);
    } else {
      for (int64_t i = 0; i < inner; i++) row[i] = f(a[index(la, o, i)], b[index(lb, o, i)]);
    }
  }
}

LK_VECTORIZE void binary(Binary op, const float* a, Layout la, const float* b, Layout lb, float* out, int64_t outer, int64_t inner) {
  switch (op) {
    case Binary::Add: return binaryLoop([](float x, float y) { return x + y; }, a, la, b, lb, out, outer, inner);
    case Binary::Sub: return binaryLoop([](float x, float y) { return x - y; }, a, la, b, lb, out, outer, inner);
    case Binary::Mul: return binaryLoop([](float x, float y) { return x * y; }, a, la, b, lb, out, outer, inner);
    case Binary::Div: return binaryLoop([](float x, float y) { return x / y; }, a, la, b, lb, out, outer, inner);
    case Binary::Max: return binaryLoop([](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y); }, a, la, b, lb, out, outer, inner);
    case Binary::Min: return binaryLoop([](float x, float y) { return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y); }, a, la, b, lb, out, outer, inner);
    case Binary::SquaredDiff: return binaryLoop([](float x, float y) { return (x - y) * (x - y); }, a, la, b, lb, out, outer, inner);
    case Binary::Pow: return binaryLoop([](float x, float y) { return std::pow(x, y); }, a, la, b, lb, out, outer, inner);
  }
}

template <typename F>
static void unaryLoop(F f, const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = f(x[i]);
}

LK_VECTORIZE void unary(Unary op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case Unary::Relu: return unaryLoop([](float v) { return v > 0.f ? v : (std::isnan(v) ? v : 0.f); }, x, out, n);
    case Unary::Exp: return unaryLoop([](float v) { return fastExp(v); }, x, out, n);
    case Unary::Log: return unaryLoop([](float v) { return std::log(v); }, x, out, n);
    case Unary::Neg: return unaryLoop([](float v) { return -v; }, x, out, n);
    case Unary::Abs: return unaryLoop([](float v) { return std::fabs(v); }, x, out, n);
    case Unary::Log1p: return unaryLoop([](float v) { return std::log1p(v); }, x, out, n);
    case Unary::Square: return unaryLoop([](float v) { return v * v; }, x, out, n);
    case Unary::Sqrt: return unaryLoop([](float v) { return std::sqrt(v); }, x, out, n);
    case Unary::Sigmoid: return unaryLoop([](float v) { return sigmoid(v); }, x, out, n);
    case Unary::Softplus: return unaryLoop([](float v) { return softplus(v); }, x, out, n);
    case Unary::Tanh: return unaryLoop([](float v) { return std::tanh(v); }, x, out, n);
    // tfjs's Step: 1 where v > 0, alpha elsewhere, NaN stays NaN.
    case Unary::Step: return unaryLoop([alpha](float v) { return std::isnan(v) ? v : (v > 0.f ? 1.f : alpha); }, x, out, n);
    case Unary::Rsqrt: return unaryLoop([](float v) { return 1.f / std::sqrt(v); }, x, out, n);
    case Unary::Reciprocal: return unaryLoop([](float v) { return 1.f / v; }, x, out, n);
    case Unary::Elu: return unaryLoop([](float v) { return v >= 0.f ? v : std::expm1(v); }, x, out, n);
  }
}

LK_VECTORIZE void sum3(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner) {
  for (int64_t o = 0; o < outer; o++) {
    float* dst = out + o * inner;
    const float* src = x + o * reduce * inner;
    if (inner == 1) {
      double acc = 0.0;  // long rows (e.g. 784 pixels × batch) keep their precision
      for (int64_t r = 0; r < reduce; r++) acc += src[r];
      dst[0] = static_cast<float>(acc);
      continue;
    }
    std::fill(dst, dst + inner, 0.f);
    for (int64_t r = 0; r < reduce; r++) {
      const float* row = src + r * inner;
      for (int64_t i = 0; i < inner; i++) dst[i] += row[i];
    }
  }
}

// Whether no element is NaN or ±∞: the exponent bits are all ones exactly for those, tested on the bits so that
// -ffast-math cannot assume the answer.
LK_VECTORIZE bool allFinite(const float* x, int64_t n) {
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(x);
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

LK_VECTORIZE static void adamRange(float* p, float* m, float* v, const float* g, int64_t from, int64_t to, float lr, float beta1,
                                   float beta2, float eps, float oneMinusAccBeta1, float oneMinusAccBeta2) {
  const float c1 = 1.f - beta1;
  const float c2 = 1.f - beta2;
  for (int64_t i = from; i < to; i++) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + c1 * gi;
    const float vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi / oneMinusAccBeta1) / (std::sqrt(vi / oneMinusAccBeta2) + eps);
  }
}

// Large variables are updated in halves on the worker pool: the update streams four arrays and one core's share of
// the memory bandwidth limits it. Parts start at multiples of 16 floats, aligned as the arrays are.
void adam(float* p, float* m, float* v, const float* g, int64_t n, float lr, float beta1, float beta2, float eps,
          float oneMinusAccBeta1, float oneMinusAccBeta2) {
  overRange(n, 1, [&](int64_t from, int64_t to) {
    adamRange(p, m, v, g, from, to, lr, beta1, beta2, eps, oneMinusAccBeta1, oneMinusAccBeta2);
  }, 16);
}

}  // namespace lk
