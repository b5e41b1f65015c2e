// Batch assembly: gathers uint8 rows into a float batch as v / 255.
#include "kernels.h"

namespace lk {

void unitRows(const uint8_t* src, int64_t d, const int32_t* order, int64_t start, int64_t n, float* out, int64_t width) {
  // v / 255 rounded once from double, exactly as the portable TypeScript table holds it.
  static const auto unit = [] {
    struct Table { float v[256]; } t;
    for (int v = 0; v < 256; v++) t.v[v] = static_cast<float>(v / 255.0);
    return t;
  }();
  for (int64_t i = 0; i < n; i++) {
    const uint8_t* row = src + (order ? static_cast<int64_t>(order[start + i]) : start + i) * d;
    float* o = out + i * width;
    for (int64_t j = 0; j < d; j++) o[j] = unit.v[row[j]];
  }
}

}  // namespace lk
