#pragma once
// Time, behind an interface: the logic that depends on time (lease renewal, fencing deadlines,
// "since when") takes a Clock&, so unit tests drive it with a ManualClock instead of sleeping.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace hearth {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  // Monotonic time: never goes backwards, unaffected by NTP steps. Use it for deadlines,
  // intervals and TTLs. Thread-safe.
  virtual TimePoint now() const = 0;

  // Wall-clock time in milliseconds since the Unix epoch. Use it only to record and show when
  // something happened ("alive since"); never to measure an interval. Thread-safe.
  virtual std::int64_t wall_ms() const = 0;
};

// The machine's clocks (steady_clock and system_clock).
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t wall_ms() const override;
};

// The process-wide SystemClock.
Clock& system_clock();

// A clock that moves only when told to, for tests. Both times advance together.
class ManualClock final : public Clock {
 public:
  ManualClock() = default;
  TimePoint now() const override;
  std::int64_t wall_ms() const override;

  void advance(std::chrono::milliseconds step);
  void set_wall_ms(std::int64_t wall_ms);

 private:
  mutable std::mutex mutex_;
  TimePoint now_{std::chrono::hours(1000)};   // an arbitrary, non-zero start
  std::int64_t wall_ms_ = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
};

}  // namespace hearth
