// A small pool of persistent worker threads, one per core, that every multi-threaded native kernel shares.
#pragma once
#include <cstdint>
#include <functional>
#include "kernels.h"

namespace lk {

// Element-wise kernels split their work over the pool from this many elements on; below it a wake-up costs more.
constexpr int64_t PARALLEL_MIN_ELEMENTS = 64 * 1024;

// Runs fn(0) … fn(parts − 1) and returns when all are done: the calling thread and the pool's workers each take the
// next part not yet taken, so parts may outnumber the cores and a late worker delays nothing it has not started.
// Workers spin briefly after each job (the next kernel usually follows within microseconds), then sleep.
void parallelParts(int parts, const std::function<void(int)>& fn);

// Runs f(from, to) over [0, count), split into one range per core when count · width (the elements the ranges
// cover) reaches PARALLEL_MIN_ELEMENTS, else as one call. Boundaries are multiples of `align`.
template <typename F>
void overRange(int64_t count, int64_t width, F f, int64_t align = 1) {
  const int parts = count * width >= PARALLEL_MIN_ELEMENTS && count >= 2 * align ? maxThreads() : 1;
  if (parts == 1) return f(int64_t{0}, count);
  parallelParts(parts, [&](int p) {
    const int64_t from = count * p / parts / align * align;
    const int64_t to = p + 1 == parts ? count : count * (p + 1) / parts / align * align;
    f(from, to);
  });
}

}  // namespace lk
