// A small pool of persistent worker threads for the native kernels that are not BLAS calls.
#pragma once
#include <cstdint>
#include <functional>

namespace lk {

// Element-wise kernels split their work over the pool from this many elements on; below it a wake-up costs more.
constexpr int64_t PARALLEL_MIN_ELEMENTS = 64 * 1024;

// Runs fn(0) … fn(parts − 1), part 0 on the calling thread and the rest on the pool's workers, and returns when all
// are done. Workers spin briefly after each job (the next kernel usually follows within microseconds), then sleep.
void parallelParts(int parts, const std::function<void(int)>& fn);

}  // namespace lk
