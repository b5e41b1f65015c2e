// N-API glue: unpacks Float32Arrays and numbers and calls the kernels; shapes are checked on the TypeScript side.
// Element-wise and row-wise kernels on large arrays run in one range of rows (or elements) per core.
#include <napi.h>
#include "kernels.h"
#include <atomic>
#include "parallel.h"
#include "sgemm.h"
#include <string>

namespace {

float* F(const Napi::Value& v) { return v.As<Napi::Float32Array>().Data(); }
const float* FOrNull(const Napi::Value& v) { return v.IsNull() || v.IsUndefined() ? nullptr : F(v); }
int64_t I(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
float N(const Napi::Value& v) { return v.As<Napi::Number>().FloatValue(); }
bool B(const Napi::Value& v) { return v.As<Napi::Boolean>().Value(); }

// Optional a[12..14]: bias (or null), activation code and alpha of a fused epilogue.
Napi::Value Gemm(const Napi::CallbackInfo& a) {
  const bool fused = a.Length() > 13 && a[13].IsNumber();
  const lk::Epilogue epilogue{fused ? FOrNull(a[12]) : nullptr, fused ? (lk::Act)I(a[13]) : lk::Act::Linear, fused && a.Length() > 14 ? N(a[14]) : 0.f};
  lk::gemm(F(a[0]), F(a[1]), F(a[2]), (int)I(a[3]), (int)I(a[4]), (int)I(a[5]), (int)I(a[6]), B(a[7]), B(a[8]), I(a[9]), I(a[10]), I(a[11]),
           fused ? &epilogue : nullptr);
  return a.Env().Undefined();
}

Napi::Value UnitRows(const Napi::CallbackInfo& a) {
  const int32_t* order = a[2].IsNull() || a[2].IsUndefined() ? nullptr : a[2].As<Napi::Int32Array>().Data();
  const uint8_t* src = a[0].As<Napi::Uint8Array>().Data();
  const int64_t d = I(a[1]), start = I(a[3]), width = I(a[6]);
  float* out = F(a[5]);
  lk::overRange(I(a[4]), d, [&](int64_t r0, int64_t r1) { lk::unitRows(src, d, order, start + r0, r1 - r0, out + r0 * width, width); });
  return a.Env().Undefined();
}

Napi::Value ConcatColumns(const Napi::CallbackInfo& a) {
  lk::concatColumns(F(a[0]), I(a[1]), F(a[2]), I(a[3]), I(a[4]), F(a[5]));
  return a.Env().Undefined();
}

Napi::Value SplitColumns(const Napi::CallbackInfo& a) {
  lk::splitColumns(F(a[0]), I(a[1]), I(a[2]), I(a[3]), F(a[4]), F(a[5]));
  return a.Env().Undefined();
}

Napi::Value Slice2d(const Napi::CallbackInfo& a) {
  lk::slice2d(F(a[0]), I(a[1]), I(a[2]), I(a[3]), I(a[4]), I(a[5]), F(a[6]));
  return a.Env().Undefined();
}

Napi::Value NormalPairs(const Napi::CallbackInfo& a) {
  Napi::Float32Array out = a[1].As<Napi::Float32Array>();
  const uint32_t state = lk::normalPairs(static_cast<uint32_t>(I(a[0])), out.Data(), static_cast<int64_t>(out.ElementLength() / 2));
  return Napi::Number::New(a.Env(), state);
}

// Row i of out ([rows, width], width even) gets width / 2 pairs from mulberry32 state states[i], which is advanced.
Napi::Value RowNormalPairs(const Napi::CallbackInfo& a) {
  Napi::Uint32Array states = a[0].As<Napi::Uint32Array>();
  Napi::Float32Array out = a[1].As<Napi::Float32Array>();
  const int64_t width = I(a[2]), rows = static_cast<int64_t>(states.ElementLength());
  if (width % 2 != 0 || static_cast<int64_t>(out.ElementLength()) != rows * width) {
    Napi::RangeError::New(a.Env(), "rowNormalPairs: out must hold rows × an even width").ThrowAsJavaScriptException();
    return a.Env().Undefined();
  }
  for (int64_t i = 0; i < rows; i++) states[i] = lk::normalPairs(states[i], out.Data() + i * width, width / 2);
  return a.Env().Undefined();
}

Napi::Value BiasActivation(const Napi::CallbackInfo& a) {
  float* c = F(a[0]);
  const float* bias = FOrNull(a[1]);
  const int64_t n = I(a[3]);
  const lk::Act act = (lk::Act)I(a[4]);
  const float alpha = N(a[5]);
  lk::overRange(I(a[2]), n, [&](int64_t r0, int64_t r1) { lk::biasActivation(c + r0 * n, bias, r1 - r0, n, act, alpha); });
  return a.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& a) {
  const lk::Binary op = (lk::Binary)I(a[0]);
  const float *x = F(a[1]), *y = F(a[3]);
  const lk::Layout lx = (lk::Layout)I(a[2]), ly = (lk::Layout)I(a[4]);
  float* out = F(a[5]);
  const int64_t outer = I(a[6]), inner = I(a[7]);
  // Rows of the [outer, inner] grid: a full operand moves by rows, a column operand by one per row.
  auto at = [inner](const float* v, lk::Layout l, int64_t row) {
    return l == lk::Layout::Full ? v + row * inner : l == lk::Layout::Col ? v + row : v;
  };
  lk::overRange(outer, inner, [&](int64_t r0, int64_t r1) { lk::binary(op, at(x, lx, r0), lx, at(y, ly, r0), ly, out + r0 * inner, r1 - r0, inner); });
  return a.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& a) {
  const lk::Unary op = (lk::Unary)I(a[0]);
  const float* x = F(a[1]);
  float* out = F(a[2]);
  const float alpha = N(a[4]);
  lk::overRange(I(a[3]), 1, [&](int64_t i0, int64_t i1) { lk::unary(op, x + i0, out + i0, i1 - i0, alpha); }, 16);
  return a.Env().Undefined();
}

Napi::Value Sum3(const Napi::CallbackInfo& a) {
  lk::sum3(F(a[0]), F(a[1]), I(a[2]), I(a[3]), I(a[4]));
  return a.Env().Undefined();
}

Napi::Value Adam(const Napi::CallbackInfo& a) {
  Napi::Float32Array p = a[0].As<Napi::Float32Array>();
  lk::adam(p.Data(), F(a[1]), F(a[2]), F(a[3]), (int64_t)p.ElementLength(), N(a[4]), N(a[5]), N(a[6]), N(a[7]), N(a[8]), N(a[9]));
  return a.Env().Undefined();
}

// Per-row losses and their gradients share one shape: (prediction, x, [dy,] out, rows, d).
using RowsLoss = void (*)(const float*, const float*, float*, int64_t, int64_t);
using RowsLossGrad = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t);

Napi::Value LossRows(const Napi::CallbackInfo& a, RowsLoss loss) {
  const float *p = F(a[0]), *x = F(a[1]);
  float* out = F(a[2]);
  const int64_t d = I(a[4]);
  lk::overRange(I(a[3]), d, [&](int64_t r0, int64_t r1) { loss(p + r0 * d, x + r0 * d, out + r0, r1 - r0, d); });
  return a.Env().Undefined();
}

Napi::Value LossGrad(const Napi::CallbackInfo& a, RowsLossGrad grad) {
  const float *p = F(a[0]), *x = F(a[1]), *dy = F(a[2]);
  float* dp = F(a[3]);
  const int64_t d = I(a[5]);
  lk::overRange(I(a[4]), d, [&](int64_t r0, int64_t r1) { grad(p + r0 * d, x + r0 * d, dy + r0, dp + r0 * d, r1 - r0, d); });
  return a.Env().Undefined();
}

Napi::Value BceLogitsRows(const Napi::CallbackInfo& a) { return LossRows(a, lk::bceLogitsRows); }
Napi::Value BceLogitsGrad(const Napi::CallbackInfo& a) { return LossGrad(a, lk::bceLogitsGrad); }
Napi::Value SquaredErrorRows(const Napi::CallbackInfo& a) { return LossRows(a, lk::squaredErrorRows); }
Napi::Value SquaredErrorGrad(const Napi::CallbackInfo& a) { return LossGrad(a, lk::squaredErrorGrad); }

Napi::Value ActivationGrad(const Napi::CallbackInfo& a) {
  const float *y = F(a[0]), *dy = F(a[1]);
  float* dz = F(a[2]);
  const lk::Act act = (lk::Act)I(a[4]);
  lk::overRange(I(a[3]), 1, [&](int64_t i0, int64_t i1) { lk::activationGrad(y + i0, dy + i0, dz + i0, i1 - i0, act); }, 16);
  return a.Env().Undefined();
}

Napi::Value GaussianHead(const Napi::CallbackInfo& a) {
  lk::gaussianHead(F(a[0]), F(a[1]), F(a[2]), F(a[3]), F(a[4]), I(a[5]), I(a[6]), N(a[7]), N(a[8]));
  return a.Env().Undefined();
}

Napi::Value GaussianHeadGrad(const Napi::CallbackInfo& a) {
  lk::gaussianHeadGrad(F(a[0]), F(a[1]), F(a[2]), F(a[3]), F(a[4]), F(a[5]), F(a[6]), I(a[7]), I(a[8]), N(a[9]), N(a[10]));
  return a.Env().Undefined();
}

lk::ConvShape Shape(const Napi::Value& v) {
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  const int32_t* d = a.Data();
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13]};
}

Napi::Value Im2col(const Napi::CallbackInfo& a) {
  lk::im2col(F(a[0]), F(a[1]), Shape(a[2]));
  return a.Env().Undefined();
}

Napi::Value Col2im(const Napi::CallbackInfo& a) {
  lk::col2im(F(a[0]), F(a[1]), Shape(a[2]));
  return a.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& a) {
  Napi::Object o = Napi::Object::New(a.Env());
  o.Set("threads", lk::maxThreads());
  o.Set("gemmThreadThreshold", static_cast<double>(lk::gemmThreadThreshold()));
  const lk::SparseMode sparse = lk::sparseMode();
  o.Set("sparse", !lk::sparseSupported() ? "unavailable (no AVX-512)" : sparse == lk::SparseMode::Off ? "off (LATENTKIT_SPARSE=0)"
                  : sparse == lk::SparseMode::Always ? "on, always (LATENTKIT_SPARSE=1)" : "on for left operands at most 25 % nonzero, sparse or dense timed per shape over its first products");
  o.Set("sparseChoices", lk::sparseChoices());
#ifdef LATENTKIT_ACCELERATE
  o.Set("blas", "Accelerate");
#else
  const lk::Blocking b = lk::activeBlocking();
  o.Set("blas", std::string("latentkit sgemm (") + lk::isaName(lk::activeIsa()) + ")");
  o.Set("isa", lk::isaName(lk::activeIsa()));
  o.Set("blocking", std::string("mc ") + std::to_string(b.mc) + ", kc " + std::to_string(b.kc) + ", nc " + std::to_string(b.nc) +
                        " (L1d " + std::to_string(b.l1 / 1024) + " KiB, L2 " + std::to_string(b.l2 / 1024) + " KiB)");
#endif
  return o;
}

// Switches the SGEMM path by name (avx512, avx2, portable); returns whether this CPU has it.
Napi::Value UseIsa(const Napi::CallbackInfo& a) {
  const std::string name = a[0].As<Napi::String>().Utf8Value();
  for (lk::Isa isa : {lk::Isa::Avx512, lk::Isa::Avx2, lk::Isa::Portable}) {
    if (name == lk::isaName(isa)) return Napi::Boolean::New(a.Env(), lk::useIsa(isa));
  }
  return Napi::Boolean::New(a.Env(), false);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("sum3", Napi::Function::New(env, Sum3));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("bceLogitsRows", Napi::Function::New(env, BceLogitsRows));
  exports.Set("bceLogitsGrad", Napi::Function::New(env, BceLogitsGrad));
  exports.Set("im2col", Napi::Function::New(env, Im2col));
  exports.Set("col2im", Napi::Function::New(env, Col2im));
  exports.Set("squaredErrorRows", Napi::Function::New(env, SquaredErrorRows));
  exports.Set("squaredErrorGrad", Napi::Function::New(env, SquaredErrorGrad));
  exports.Set("activationGrad", Napi::Function::New(env, ActivationGrad));
  exports.Set("gaussianHead", Napi::Function::New(env, GaussianHead));
  exports.Set("gaussianHeadGrad", Napi::Function::New(env, GaussianHeadGrad));
  exports.Set("unitRows", Napi::Function::New(env, UnitRows));
  exports.Set("concatColumns", Napi::Function::New(env, ConcatColumns));
  exports.Set("splitColumns", Napi::Function::New(env, SplitColumns));
  exports.Set("slice2d", Napi::Function::New(env, Slice2d));
  exports.Set("normalPairs", Napi::Function::New(env, NormalPairs));
  exports.Set("rowNormalPairs", Napi::Function::New(env, RowNormalPairs));
  exports.Set("useSparse", Napi::Function::New(env, [](const Napi::CallbackInfo& a) {
    const std::string mode = a[0].As<Napi::String>().Utf8Value();
    if (mode != "measured" && mode != "always" && mode != "off") {
      Napi::RangeError::New(a.Env(), "useSparse: mode must be measured, always or off").ThrowAsJavaScriptException();
      return;
    }
    lk::useSparseMode(mode == "always" ? lk::SparseMode::Always : mode == "off" ? lk::SparseMode::Off : lk::SparseMode::Measured);
  }));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("useIsa", Napi::Function::New(env, UseIsa));
  exports.Set("allFinite", Napi::Function::New(env, [](const Napi::CallbackInfo& a) {
    const Napi::Float32Array x = a[0].As<Napi::Float32Array>();
    std::atomic<bool> finite{true};
    lk::overRange(static_cast<int64_t>(x.ElementLength()), 1, [&](int64_t from, int64_t to) {
      if (!lk::allFinite(x.Data() + from, to - from)) finite.store(false);
    }, 16);
    return Napi::Boolean::New(a.Env(), finite.load());
  }));
  exports.Set("kernelPeakGflops", Napi::Function::New(env, [](const Napi::CallbackInfo& a) {
    return Napi::Number::New(a.Env(), lk::kernelPeakGflops());
  }));
  return exports;
}

}  // namespace

NODE_API_MODULE(latentkit_native, Init)
