{
  "targets": [{
    "target_name": "latentkit_native",
    "sources": ["src/addon.cc", "src/gemm.cc", "src/elementwise.cc", "src/fused.cc", "src/conv.cc", "src/copy.cc", "src/sparse.cc", "src/parallel.cc", "src/random.cc", "src/sgemm.cc", "src/pack.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags_cc": ["-O3", "-std=c++17", "-ffast-math", "-fno-finite-math-only"],
    "conditions": [
      ["OS=='mac'", {
        "libraries": ["-framework Accelerate"],
        "defines": ["LATENTKIT_ACCELERATE"],
        "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] }
      }]
    ]
  }]
}
