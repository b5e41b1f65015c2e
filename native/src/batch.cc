// Batch assembly: gathers uint8 rows into a float batch as v / 255.
#include "kernels.h"
#include "fastmath.h"

namespace lk {

LK_VECTORIZE void unitRows(const uint8_t* src, int64_t d, const int32_t* order, int64_t start, int64_t n, float* out, int64_t width) {
  // v · (1/255) in double, rounded once to float, equals the portable fround(v / 255) for every byte (checked for all
  // 256 values), and vectorizes where a table lookup does not.
  constexpr double scale = 1.0 / 255.0;
  // Shuffled rows are scattered over the dataset: fetch a few rows ahead so their cache misses overlap.
  constexpr int64_t AHEAD = 4;
  auto rowOf = [&](int64_t i) { return src + (order ? static_cast<int64_t>(order[start + i]) : start + i) * d; };
  for (int64_t i = 0; i < n; i++) {
    if (i + AHEAD < n) {
      const uint8_t* next = rowOf(i + AHEAD);
      for (int64_t j = 0; j < d; j += 64) __builtin_prefetch(next + j);
    }
    const uint8_t* row = rowOf(i);
    float* o = out + i * width;
    for (int64_t j = 0; j < d; j++) o[j] = static_cast<float>(static_cast<double>(row[j]) * scale);
  }
}

}  // namespace lk
