// im2col and col2im for NHWC convolutions: a convolution becomes one GEMM over patches.
#include "kernels.h"
#include "fastmath.h"
#include <algorithm>

namespace lk {

// cols[(n, oy, ox), (fy, fx, c)] = x[n, oy·sh − padTop + fy·dh, ox·sw − padLeft + fx·dw, c], 0 outside the image.
LK_VECTORIZE void im2col(const float* x, float* cols, const ConvShape& s) {
  const int64_t patch = static_cast<int64_t>(s.fh) * s.fw * s.c;
  for (int n = 0; n < s.n; n++) {
    for (int oy = 0; oy < s.oh; oy++) {
      for (int ox = 0; ox < s.ow; ox++) {
        float* dst = cols + ((static_cast<int64_t>(n) * s.oh + oy) * s.ow + ox) * patch;
        for (int fy = 0; fy < s.fh; fy++) {
          const int iy = oy * s.sh - s.padTop + fy * s.dh;
          for (int fx = 0; fx < s.fw; fx++) {
            const int ix = ox * s.sw - s.padLeft + fx * s.dw;
            float* d = dst + (static_cast<int64_t>(fy) * s.fw + fx) * s.c;
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) {
              std::fill(d, d + s.c, 0.f);
            } else {
              const float* src = x + ((static_cast<int64_t>(n) * s.h + iy) * s.w + ix) * s.c;
              std::copy(src, src + s.c, d);
            }
          }
        }
      }
    }
  }
}

// The adjoint of im2col: x[n, iy, ix, c] = Σ of the patch entries that read it (x is overwritten).
LK_VECTORIZE void col2im(const float* cols, float* x, const ConvShape& s) {
  const int64_t patch = static_cast<int64_t>(s.fh) * s.fw * s.c;
  std::fill(x, x + static_cast<int64_t>(s.n) * s.h * s.w * s.c, 0.f);
  for (int n = 0; n < s.n; n++) {
    for (int oy = 0; oy < s.oh; oy++) {
      for (int ox = 0; ox < s.ow; ox++) {
        const float* src = cols + ((static_cast<int64_t>(n) * s.oh + oy) * s.ow + ox) * patch;
        for (int fy = 0; fy < s.fh; fy++) {
          const int iy = oy * s.sh - s.padTop + fy * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (int fx = 0; fx < s.fw; fx++) {
            const int ix = ox * s.sw - s.padLeft + fx * s.dw;
            if (ix < 0 || ix >= s.w) continue;
            float* d = x + ((static_cast<int64_t>(n) * s.h + iy) * s.w + ix) * s.c;
            const float* p = src + (static_cast<int64_t>(fy) * s.fw + fx) * s.c;
            for (int c = 0; c < s.c; c++) d[c] += p[c];
          }
        }
      }
    }
  }
}

}  // namespace lk
