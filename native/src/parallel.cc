// The worker pool behind parallelParts: one worker per extra core, woken by a job counter.
#include "parallel.h"
#include "kernels.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
static inline void pause() { _mm_pause(); }
#else
static inline void pause() {}
#endif

namespace lk {
namespace {

// How long a worker spins before it sleeps: long enough to catch the next kernel of a training step (the gaps are
// mostly tens of microseconds), short enough to leave the core to others when latentkit is idle.
constexpr auto SPIN_TIME = std::chrono::microseconds(300);

class Pool {
 public:
  explicit Pool(int workers) {
    for (int w = 0; w < workers; w++) threads_.emplace_back([this, w] { loop(w + 1); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run(int parts, const std::function<void(int)>& fn) {
    job_ = &fn;
    parts_ = parts;
    pending_.store(parts - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    fn(0);
    while (pending_.load() > 0) pause();
  }

 private:
  void loop(int id) {
    unsigned seen = 0;  // the constructor's generation: a job posted before this thread starts is still seen
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + SPIN_TIME;
      while (generation_.load() == seen) {
        for (int i = 0; i < 16; i++) pause();
        if (std::chrono::steady_clock::now() > until) break;
      }
      if (generation_.load() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stop_) return;
      if (id < parts_) {
        (*job_)(id);
        pending_.fetch_sub(1);
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p(maxThreads() - 1);
  return p;
}

}  // namespace

// One job at a time: a call made while the pool is busy (from another JavaScript thread that loaded the addon, or
// from inside a part) runs its parts on the calling thread instead of waiting, as does one with more parts than cores.
static std::mutex busy;

void parallelParts(int parts, const std::function<void(int)>& fn) {
  std::unique_lock<std::mutex> lock(busy, std::try_to_lock);
  if (parts <= 1 || parts > maxThreads() || !lock.owns_lock()) {
    for (int p = 0; p < parts; p++) fn(p);
    return;
  }
  pool().run(parts, fn);
}

}  // namespace lk
