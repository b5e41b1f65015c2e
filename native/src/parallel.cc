// The worker pool behind parallelParts: one worker per extra core, woken by a job counter, taking parts as they come.
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

// Parts are claimed, not assigned: the calling thread and the workers each take the next unclaimed part until none
// is left, so a worker that wakes late, or whose core the system gives to another thread for a while, leaves its
// share to the caller instead of making it wait (on a shared 2-core machine, waiting for the worker's fixed half
// took a third of a training step's time). `state_` holds the job's number (high 32 bits) and the next part (low 32
// bits), changed together by compare-and-swap, so that a part is claimed only for the job it belongs to.
class Pool {
 public:
  explicit Pool(int workers) {
    for (int w = 0; w < workers; w++) threads_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      state_.store(static_cast<uint64_t>(job(state_.load()) + 1) << 32);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run(int parts, const std::function<void(int)>& fn) {
    const uint32_t id = job(state_.load()) + 1;
    fn_.store(&fn);
    parts_.store(parts);
    done_.store(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.store(static_cast<uint64_t>(id) << 32);
    }
    wake_.notify_all();
    work(id);
    while (done_.load() < parts) pause();
  }

 private:
  static uint32_t job(uint64_t state) { return static_cast<uint32_t>(state >> 32); }

  // Runs the parts of job `id` that are still unclaimed, one at a time.
  void work(uint32_t id) {
    uint64_t s = state_.load();
    for (;;) {
      const int next = static_cast<int>(s & 0xffffffffu);
      // A stale parts_ (a later job's) can only let a claim through to the compare-and-swap, which then fails.
      if (job(s) != id || next >= parts_.load()) return;
      if (!state_.compare_exchange_weak(s, s + 1)) continue;
      (*fn_.load())(next);  // fn_ cannot change before this part is counted done
      done_.fetch_add(1);
      s = state_.load();
    }
  }

  void loop() {
    uint32_t seen = 0;  // the constructor's job number: a job posted before this thread starts is still seen
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + SPIN_TIME;
      while (job(state_.load()) == seen) {
        for (int i = 0; i < 16; i++) pause();
        if (std::chrono::steady_clock::now() > until) break;
      }
      if (job(state_.load()) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return job(state_.load()) != seen; });
      }
      seen = job(state_.load());
      if (stop_) return;
      work(seen);
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> state_{0};
  std::atomic<int> parts_{0};
  std::atomic<int> done_{0};
  std::atomic<const std::function<void(int)>*> fn_{nullptr};
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
  if (parts <= 1 || maxThreads() == 1 || !lock.owns_lock()) {
    for (int p = 0; p < parts; p++) fn(p);
    return;
  }
  pool().run(parts, fn);
}

}  // namespace lk
