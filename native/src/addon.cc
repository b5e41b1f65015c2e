// N-API glue: unpacks Float32Arrays and numbers and calls the kernels; shapes are checked on the TypeScript side.
#include <napi.h>
#include "kernels.h"

namespace {

float* F(const Napi::Value& v) { return v.As<Napi::Float32Array>().Data(); }
const float* FOrNull(const Napi::Value& v) { return v.IsNull() || v.IsUndefined() ? nullptr : F(v); }
int64_t I(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
float N(const Napi::Value& v) { return v.As<Napi::Number>().FloatValue(); }
bool B(const Napi::Value& v) { return v.As<Napi::Boolean>().Value(); }

Napi::Value Gemm(const Napi::CallbackInfo& a) {
  lk::gemm(F(a[0]), F(a[1]), F(a[2]), (int)I(a[3]), (int)I(a[4]), (int)I(a[5]), (int)I(a[6]), B(a[7]), B(a[8]), I(a[9]), I(a[10]), I(a[11]));
  return a.Env().Undefined();
}

Napi::Value UnitRows(const Napi::CallbackInfo& a) {
  const int32_t* order = a[2].IsNull() || a[2].IsUndefined() ? nullptr : a[2].As<Napi::Int32Array>().Data();
  lk::unitRows(a[0].As<Napi::Uint8Array>().Data(), I(a[1]), order, I(a[3]), I(a[4]), F(a[5]), I(a[6]));
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

Napi::Value BiasActivation(const Napi::CallbackInfo& a) {
  lk::biasActivation(F(a[0]), FOrNull(a[1]), I(a[2]), I(a[3]), (lk::Act)I(a[4]), N(a[5]));
  return a.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& a) {
  lk::binary((lk::Binary)I(a[0]), F(a[1]), (lk::Layout)I(a[2]), F(a[3]), (lk::Layout)I(a[4]), F(a[5]), I(a[6]), I(a[7]));
  return a.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& a) {
  lk::unary((lk::Unary)I(a[0]), F(a[1]), F(a[2]), I(a[3]), N(a[4]));
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

Napi::Value BceLogitsRows(const Napi::CallbackInfo& a) {
  lk::bceLogitsRows(F(a[0]), F(a[1]), F(a[2]), I(a[3]), I(a[4]));
  return a.Env().Undefined();
}

Napi::Value BceLogitsGrad(const Napi::CallbackInfo& a) {
  lk::bceLogitsGrad(F(a[0]), F(a[1]), F(a[2]), F(a[3]), I(a[4]), I(a[5]));
  return a.Env().Undefined();
}

Napi::Value SquaredErrorRows(const Napi::CallbackInfo& a) {
  lk::squaredErrorRows(F(a[0]), F(a[1]), F(a[2]), I(a[3]), I(a[4]));
  return a.Env().Undefined();
}

Napi::Value SquaredErrorGrad(const Napi::CallbackInfo& a) {
  lk::squaredErrorGrad(F(a[0]), F(a[1]), F(a[2]), F(a[3]), I(a[4]), I(a[5]));
  return a.Env().Undefined();
}

Napi::Value ActivationGrad(const Napi::CallbackInfo& a) {
  lk::activationGrad(F(a[0]), F(a[1]), F(a[2]), I(a[3]), (lk::Act)I(a[4]));
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
#ifdef LATENTKIT_ACCELERATE
  o.Set("blas", "Accelerate");
#else
  o.Set("blas", "OpenBLAS");
#endif
  return o;
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
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(latentkit_native, Init)
