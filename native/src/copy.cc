// Copies: batch assembly (uint8 rows into a float batch as v / 255), side-by-side column blocks, 2-D slices.
#include "kernels.h"
#include "fastmath.h"
#include <cstring>

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

void concatColumns(const float* a, int64_t na, const float* b, int64_t nb, int64_t rows, float* out) {
  for (int64_t r = 0; r < rows; r++) {
    std::memcpy(out + r * (na + nb), a + r * na, sizeof(float) * na);
    std::memcpy(out + r * (na + nb) + na, b + r * nb, sizeof(float) * nb);
  }
}

void splitColumns(const float* in, int64_t rows, int64_t na, int64_t nb, float* a, float* b) {
  for (int64_t r = 0; r < rows; r++) {
    std::memcpy(a + r * na, in + r * (na + nb), sizeof(float) * na);
    std::memcpy(b + r * nb, in + r * (na + nb) + na, sizeof(float) * nb);
  }
}

void slice2d(const float* in, int64_t inCols, int64_t row0, int64_t col0, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; r++) std::memcpy(out + r * cols, in + (row0 + r) * inCols + col0, sizeof(float) * cols);
}

}  // namespace lk
