// Fused kernels: bias + activation after a product, and the Bernoulli reconstruction loss with its gradient.
#include "kernels.h"
#include "fastmath.h"
#include <cmath>
#include <algorithm>

namespace lk {

template <typename F>
static void rowsLoop(float* c, const float* bias, int64_t m, int64_t n, F f) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * n;
    if (bias) for (int64_t j = 0; j < n; j++) row[j] = f(row[j] + bias[j]);
    else for (int64_t j = 0; j < n; j++) row[j] = f(row[j]);
  }
}

LK_VECTORIZE void biasActivation(float* c, const float* bias, int64_t m, int64_t n, Act act, float alpha) {
  switch (act) {
    case Act::Linear: if (bias) rowsLoop(c, bias, m, n, [](float v) { return v; }); return;
    case Act::Relu: return rowsLoop(c, bias, m, n, [](float v) { return v > 0.f ? v : (std::isnan(v) ? v : 0.f); });
    case Act::Sigmoid: return rowsLoop(c, bias, m, n, [](float v) { return sigmoid(v); });
    case Act::Elu: return rowsLoop(c, bias, m, n, [](float v) { return v >= 0.f ? v : std::expm1(v); });
    case Act::Relu6: return rowsLoop(c, bias, m, n, [](float v) { return std::min(std::max(v, 0.f), 6.f); });
    case Act::LeakyRelu: return rowsLoop(c, bias, m, n, [alpha](float v) { return v >= 0.f ? v : alpha * v; });
  }
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
