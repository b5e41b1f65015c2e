// Fused kernels: bias + activation after a product, and the Bernoulli reconstruction loss with its gradient.
#include "kernels.h"
#include "fastmath.h"
#include <cmath>
#include <algorithm>

namespace lk {

template <typename F>
static void rowsLoop(float* c, int64_t ldc, const float* bias, int64_t m, int64_t n, F f) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (bias) for (int64_t j = 0; j < n; j++) row[j] = f(row[j] + bias[j]);
    else for (int64_t j = 0; j < n; j++) row[j] = f(row[j]);
  }
}

LK_VECTORIZE void biasActivationStrided(float* c, int64_t ldc, const float* bias, int64_t m, int64_t n, Act act, float alpha) {
  switch (act) {
    case Act::Linear: if (bias) rowsLoop(c, ldc, bias, m, n, [](float v) { return v; }); return;
    case Act::Relu: return rowsLoop(c, ldc, bias, m, n, [](float v) { return v > 0.f ? v : (std::isnan(v) ? v : 0.f); });
    case Act::Sigmoid: return rowsLoop(c, ldc, bias, m, n, [](float v) { return sigmoid(v); });
    case Act::Elu: return rowsLoop(c, ldc, bias, m, n, [](float v) { return v >= 0.f ? v : std::expm1(v); });
    case Act::Relu6: return rowsLoop(c, ldc, bias, m, n, [](float v) { return std::min(std::max(v, 0.f), 6.f); });
    case Act::LeakyRelu: return rowsLoop(c, ldc, bias, m, n, [alpha](float v) { return v >= 0.f ? v : alpha * v; });
  }
}

void biasActivation(float* c, const float* bias, int64_t m, int64_t n, Act act, float alpha) {
  biasActivationStrided(c, n, bias, m, n, act, alpha);
}

LK_VECTORIZE void bceLogitsRows(const float* logits, const float* x, float* out, int64_t rows, int64_t d) {
  for (int64_t r = 0; r < rows; r++) {
    const float* l = logits + r * d;
    const float* t = x + r * d;
    float acc = 0.f;
    for (int64_t j = 0; j < d; j++) acc += softplus(l[j]) - l[j] * t[j];
    out[r] = acc;
  }
}

LK_VECTORIZE void bceLogitsGrad(const float* logits, const float* x, const float* dy, float* dLogits, int64_t rows, int64_t d) {
  for (int64_t r = 0; r < rows; r++) {
    const float* l = logits + r * d;
    const float* t = x + r * d;
    float* o = dLogits + r * d;
    const float s = dy[r];
    for (int64_t j = 0; j < d; j++) o[j] = s * (sigmoid(l[j]) - t[j]);
  }
}

}  // namespace lk

namespace lk {

// dz = dy ⊙ act'(y), from the activation's output y (linear: 1; relu: y > 0; sigmoid: y(1 − y); elu: y + 1 for y < 0).
LK_VECTORIZE void activationGrad(const float* y, const float* dy, float* dz, int64_t n, Act act) {
  switch (act) {
    case Act::Relu: for (int64_t i = 0; i < n; i++) dz[i] = y[i] > 0.f ? dy[i] : 0.f; return;
    case Act::Sigmoid: for (int64_t i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1.f - y[i]); return;
    case Act::Elu: for (int64_t i = 0; i < n; i++) dz[i] = y[i] > 0.f ? dy[i] : dy[i] * (y[i] + 1.f); return;
    default: for (int64_t i = 0; i < n; i++) dz[i] = dy[i]; return;
  }
}

// z = μ + exp(½·lv)·ε and KL(N(μ, e^lv) ‖ N(0, 1)) = ½ Σ (e^lv + μ² − 1 − lv) per row, lv = clamp(raw, lo, hi).
LK_VECTORIZE void gaussianHead(const float* mu, const float* raw, const float* eps, float* z, float* kl, int64_t rows, int64_t k,
                               float lo, float hi) {
  for (int64_t r = 0; r < rows; r++) {
    float acc = 0.f;
    for (int64_t j = 0; j < k; j++) {
      const int64_t i = r * k + j;
      const float lv = std::min(std::max(raw[i], lo), hi);
      const float sd = fastExp(0.5f * lv);
      z[i] = mu[i] + sd * eps[i];
      acc += sd * sd + mu[i] * mu[i] - 1.f - lv;
    }
    kl[r] = 0.5f * acc;
  }
}

// ∂/∂μ = dz + dkl·μ; ∂/∂raw = (dz·ε·½e^(lv/2) + dkl·½(e^lv − 1)) where raw is inside [lo, hi], else 0.
LK_VECTORIZE void gaussianHeadGrad(const float* mu, const float* raw, const float* eps, const float* dz, const float* dkl,
                                   float* dmu, float* draw, int64_t rows, int64_t k, float lo, float hi) {
  for (int64_t r = 0; r < rows; r++) {
    const float g = dkl[r];
    for (int64_t j = 0; j < k; j++) {
      const int64_t i = r * k + j;
      const float lv = std::min(std::max(raw[i], lo), hi);
      const float sd = fastExp(0.5f * lv);
      dmu[i] = dz[i] + g * mu[i];
      const float inside = raw[i] >= lo && raw[i] <= hi ? 1.f : 0.f;
      draw[i] = inside * (dz[i] * eps[i] * 0.5f * sd + g * 0.5f * (sd * sd - 1.f));
    }
  }
}

}  // namespace lk

namespace lk {

// Σ over features of (p − x)² per row, and the gradient 2(p − x) · dy[row] for p.
LK_VECTORIZE void squaredErrorRows(const float* p, const float* x, float* out, int64_t rows, int64_t d) {
  for (int64_t r = 0; r < rows; r++) {
    float acc = 0.f;
    for (int64_t j = 0; j < d; j++) {
      const float e = p[r * d + j] - x[r * d + j];
      acc += e * e;
    }
    out[r] = acc;
  }
}

LK_VECTORIZE void squaredErrorGrad(const float* p, const float* x, const float* dy, float* dp, int64_t rows, int64_t d) {
  for (int64_t r = 0; r < rows; r++) {
    const float s = 2.f * dy[r];
    for (int64_t j = 0; j < d; j++) dp[r * d + j] = s * (p[r * d + j] - x[r * d + j]);
  }
}

}  // namespace lk
