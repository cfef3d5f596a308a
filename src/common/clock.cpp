#include "common/clock.h"

namespace hearth {

std::int64_t SystemClock::wall_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

Clock::TimePoint ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

std::int64_t ManualClock::wall_ms() const {
  std::lock_guard lock(mutex_);
  return wall_ms_;
}

void ManualClock::advance(std::chrono::milliseconds step) {
  std::lock_guard lock(mutex_);
  now_ += step;
  wall_ms_ += step.count();
}

void ManualClock::set_wall_ms(std::int64_t wall_ms) {
  std::lock_guard lock(mutex_);
  wall_ms_ = wall_ms;
}

}  // namespace hearth
