#include "lab/chaos_checker.h"

#include <gtest/gtest.h>

namespace hearth::lab {
namespace {

// Times in these histories are ms after 0; every sample takes 20 ms.
constexpr std::int64_t kEnd = 60000;

Window at(std::int64_t ms, std::int64_t took = 20) { return {ms, ms + took}; }

// A run that went well: homepage on r510 (MAC aa), moved to r530 (MAC bb) after a power cut of
// r510 at 10 s (r510 dropped it at 11.3 s, r530 took it at 12.5 s); one leader, r510 then r530;
// 100 writes, 90 acknowledged, all read back; the volume healed.
ChaosHistory good_history() {
  ChaosHistory h;
  h.seed = 7;
  h.start_ms = 0;
  h.end_ms = kEnd;
  h.services = {"homepage"};
  Fault cut;
  cut.index = 1;
  cut.kind = FaultKind::power_cut;
  cut.node = "r510";
  h.faults.push_back({cut, 10000, 15000, 25000, ""});
  for (std::int64_t t = 0; t < kEnd; t += 300) {
    bool on_510 = t < 11300, on_530 = t >= 12500;
    h.holders.push_back({"homepage", "r510", at(t), on_510, on_510 ? "aa" : ""});
    h.holders.push_back({"homepage", "r530", at(t + 100), on_530, on_530 ? "bb" : ""});
    bool answered = t < 10000 || t >= 12600;
    h.answers.push_back({"homepage", at(t + 50, 30), answered, t < 10000 ? "aa" : "bb"});
  }
  for (std::int64_t t = 0; t < kEnd; t += 1000) {
    bool first = t < 10000, second = t >= 13000;
    h.leaders.push_back({"r510", at(t, 200), t < 10000 || t >= 16000, first, 510, true,
                         first ? "r510" : "r530", first ? 510 : 530});
    h.leaders.push_back({"r530", at(t + 100, 200), true, second, 530, t < 10000 || t >= 13000,
                         first ? "r510" : "r530", first ? 510 : 530});
  }
  for (std::int64_t i = 1; i <= 100; ++i) {
    h.writes.push_back({i, at(i * 500), i % 10 != 0});
  }
  ReplicaRead mount{"mount r530", false, true, "", {}};
  for (std::int64_t i = 1; i <= 100; ++i) {
    if (i % 10 != 0 || i == 20) mount.seqs.insert(i);  // an unacknowledged write may be there too
  }
  h.reads.push_back(mount);
  ReplicaRead brick1 = mount, brick2 = mount;
  brick1.where = "brick r510:/srv/hearth/bricks/hdd1/appdata";
  brick1.brick = true;
  brick2.where = "brick r530:/srv/hearth/bricks/ssd1/appdata";
  brick2.brick = true;
  h.reads.push_back(brick1);
  h.reads.push_back(brick2);
  h.volumes.push_back({"appdata", true, 3, 3, 0, 0});
  return h;
}

const PropertyVerdict& verdict(const std::vector<PropertyVerdict>& verdicts,
                               const std::string& property) {
  for (const auto& v : verdicts) {
    if (v.property == property) return v;
  }
  static PropertyVerdict none{"missing", false, "no such property", {}};
  ADD_FAILURE() << "no verdict for " << property;
  return none;
}

PropertyVerdict check(const ChaosHistory& h, const std::string& property, ChaosBounds b = {}) {
  return verdict(check_chaos(h, b), property);
}

std::string all_details(const PropertyVerdict& v) {
  std::string text = v.summary;
  for (const auto& d : v.details) text += "\n" + d;
  return text;
}

bool mentions(const PropertyVerdict& v, const std::string& text) {
  return all_details(v).find(text) != std::string::npos;
}

TEST(ChaosChecker, AGoodRunPassesEveryProperty) {
  auto verdicts = check_chaos(good_history(), {});
  ASSERT_EQ(verdicts.size(), 5u);
  for (const auto& v : verdicts) EXPECT_TRUE(v.ok) << v.property << ": " << all_details(v);
  EXPECT_TRUE(all_passed(verdicts));
  EXPECT_TRUE(mentions(verdicts[0], "90 acknowledged of 100 attempted"));
}

// --- writes ---

TEST(ChaosChecker, AnAcknowledgedWriteMissingFromTheMountFails) {
  auto h = good_history();
  h.reads[0].seqs.erase(37);
  auto v = check(h, "writes");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "mount r530: 1 acknowledged write(s) missing: 37")) << all_details(v);
}

TEST(ChaosChecker, AnUnacknowledgedWriteMayBeMissing) {
  auto h = good_history();
  h.reads[0].seqs.erase(20);
  h.reads[0].seqs.erase(30);
  EXPECT_TRUE(check(h, "writes").ok);
}

TEST(ChaosChecker, NoAcknowledgedWriteProvesNothingAndFails) {
  auto h = good_history();
  for (auto& w : h.writes) w.acknowledged = false;
  auto v = check(h, "writes");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "no write was acknowledged"));
}

TEST(ChaosChecker, AnUnreadableOrUnreadFileFails) {
  auto h = good_history();
  h.reads[0].read = false;
  h.reads[0].error = "Transport endpoint is not connected";
  EXPECT_TRUE(mentions(check(h, "writes"), "Transport endpoint is not connected"));
  EXPECT_FALSE(check(h, "writes").ok);
  auto none = good_history();
  none.reads.erase(none.reads.begin());  // only the bricks were read
  EXPECT_FALSE(check(none, "writes").ok);
  EXPECT_TRUE(mentions(check(none, "writes"), "never read back through a mount"));
}

// --- one holder ---

TEST(ChaosChecker, TwoServersHoldingAtOnceFails) {
  auto h = good_history();
  // r510 keeps the address 2 s longer: until 13.3 s, while r530 holds it from 12.5 s.
  for (auto& s : h.holders) {
    if (s.node == "r510" && s.at.start_ms >= 11300 && s.at.start_ms < 13300) {
      s.holds = true;
      s.mac = "aa";
    }
  }
  auto v = check(h, "one holder");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "homepage: held or answered by both r510 and r530 at +12."))
      << all_details(v);
  EXPECT_TRUE(mentions(v, "during fault 1: power-cut r510")) << all_details(v);
}

TEST(ChaosChecker, OneSightingInsideTheOthersCertainStretchFails) {
  auto h = good_history();
  // One lone sample of r510 with the address at 30 s, in the middle of r530's holding.
  for (auto& s : h.holders) {
    if (s.node == "r510" && s.at.start_ms == 30000) s.holds = true;
  }
  EXPECT_FALSE(check(h, "one holder").ok);
}

TEST(ChaosChecker, AnAnswerFromTheOldServerInsideTheNewOnesHoldingFails) {
  auto h = good_history();
  // The router sent a request to r510's MAC at 40 s, and it answered: two servers answered.
  h.answers.push_back({"homepage", at(40000, 30), true, "aa"});
  auto v = check(h, "one holder");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "r510 and r530 at +40.0 s")) << all_details(v);
}

TEST(ChaosChecker, SightingsThatOnlyTouchTheEdgesOfAStretchProveNothing) {
  auto h = good_history();
  // r510 seen holding in a window that starts before r530's first certain instant (12.5 s + the
  // 20 ms of r530's first sample): that may have been just before r530 took it.
  h.holders.push_back({"homepage", "r510", {12550, 12700}, true, "aa"});
  EXPECT_TRUE(check(h, "one holder").ok) << all_details(check(h, "one holder"));
}

TEST(ChaosChecker, AContraryObservationBreaksAStretch) {
  ChaosHistory h = good_history();
  h.holders.clear();
  h.answers.clear();
  // r510: holds at 0 s and 2 s, not at 1 s; r530 seen holding once at 1.5 s. r510 may have let
  // it go in between: no proof.
  h.holders.push_back({"homepage", "r510", at(0), true, "aa"});
  h.holders.push_back({"homepage", "r510", at(1000), false, ""});
  h.holders.push_back({"homepage", "r510", at(2000), true, "aa"});
  h.holders.push_back({"homepage", "r530", at(1500), true, "bb"});
  EXPECT_TRUE(check(h, "one holder").ok);
  // Without the contrary look, r510 held it from 20 ms to 2 s, across r530's sighting.
  h.holders.erase(h.holders.begin() + 1);
  EXPECT_FALSE(check(h, "one holder").ok);
}

TEST(ChaosChecker, AnswersToUnknownMacsAreCountedNotJudged) {
  auto h = good_history();
  h.answers.push_back({"homepage", at(40000, 30), true, "cc"});
  h.answers.push_back({"homepage", at(40500, 30), true, ""});
  auto v = check(h, "one holder");
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(mentions(v, "2 answers went to a MAC no server was seen with")) << all_details(v);
}

TEST(ChaosChecker, OtherServicesAreSeparate) {
  auto h = good_history();
  h.services.push_back("notes");
  // notes on r510 all along while homepage is on r530: not a conflict.
  for (std::int64_t t = 0; t < kEnd; t += 300) {
    h.holders.push_back({"notes", "r510", at(t), true, "cc"});
    h.answers.push_back({"notes", at(t + 60, 30), true, "cc"});
  }
  EXPECT_TRUE(check(h, "one holder").ok);
}

// --- available ---

TEST(ChaosChecker, AnOutageLongerThanTheBoundFails) {
  auto h = good_history();
  ChaosBounds tight;
  tight.service_outage = std::chrono::milliseconds(2000);
  auto v = check(h, "available", tight);
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v,
                       "homepage: no answer for 2.7 s (bound 2.0 s), from +10.0 s until it "
                       "answered again at +12.7 s (during fault 1: power-cut r510)"))
      << all_details(v);
  EXPECT_TRUE(check(h, "available").ok) << all_details(check(h, "available"));
  EXPECT_TRUE(mentions(check(h, "available"), "longest without an answer: 2.7 s (homepage)"));
}

TEST(ChaosChecker, AnOutageOfExactlyTheBoundPasses) {
  auto h = good_history();
  ChaosBounds exact;
  exact.service_outage = std::chrono::milliseconds(12680 - 9980);
  EXPECT_TRUE(check(h, "available", exact).ok) << all_details(check(h, "available", exact));
  exact.service_outage -= std::chrono::milliseconds(1);
  EXPECT_FALSE(check(h, "available", exact).ok);
}

TEST(ChaosChecker, AServiceDownAtTheEndFails) {
  auto h = good_history();
  for (auto& a : h.answers) a.answered = a.answered && a.at.start_ms < 45000;
  auto v = check(h, "available");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "until the end of the run")) << all_details(v);
}

TEST(ChaosChecker, AServiceThatNeverAnsweredBeforeTheFirstFaultFails) {
  auto h = good_history();
  for (auto& a : h.answers) a.answered = a.answered && a.at.start_ms > 10000;
  EXPECT_FALSE(check(h, "available").ok);
  EXPECT_TRUE(mentions(check(h, "available"), "never answered before the first fault"));
  h.services.push_back("ghost");  // no answers at all
  EXPECT_TRUE(mentions(check(h, "available"), "ghost: never answered"));
}

// --- one leader ---

TEST(ChaosChecker, TwoNodesBelievingTheyLeadAtOnceFails) {
  auto h = good_history();
  // r510 (cut off, so its answers reach nobody... but say they did) believes until 15 s.
  for (auto& s : h.leaders) {
    if (s.node == "r510" && s.at.start_ms >= 10000 && s.at.start_ms <= 15000) {
      s.answered = true;
      s.believes = true;
    }
  }
  auto v = check(h, "one leader");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v, "both r510 and r530 believed they led")) << all_details(v);
}

TEST(ChaosChecker, AHandoverWithAGapIsOneLeader) {
  EXPECT_TRUE(check(good_history(), "one leader").ok);
}

TEST(ChaosChecker, OneNodeWithTwoLeasesInTurnIsOneLeader) {
  auto h = good_history();
  for (auto& s : h.leaders) {
    if (s.node == "r530" && s.at.start_ms > 40000) s.lease = 531;  // restarted: a new lease
    if (s.at.start_ms > 40000) s.key_lease = 531;
  }
  EXPECT_TRUE(check(h, "one leader").ok) << all_details(check(h, "one leader"));
}

TEST(ChaosChecker, BelievingWhileTheKeyNamesAnotherFails) {
  auto h = good_history();
  // elitedesk reads the key at 30 s and it names r510, while r530 certainly believes it leads.
  h.leaders.push_back({"elitedesk", at(30000, 100), true, false, 26, true, "r510", 510});
  auto v = check(h, "one leader");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(
      mentions(v, "r530 believed it led while /hearth/leader named r510 (read by elitedesk)"))
      << all_details(v);
  // A stale read (key not known) is not judged.
  h.leaders.back().key_known = false;
  EXPECT_TRUE(check(h, "one leader").ok);
}

TEST(ChaosChecker, NoLeaderSeenFails) {
  auto h = good_history();
  for (auto& s : h.leaders) s.believes = false;
  EXPECT_FALSE(check(h, "one leader").ok);
  auto silent = good_history();
  for (auto& s : silent.leaders) s.answered = false;
  EXPECT_FALSE(check(silent, "one leader").ok);
}

// --- healed ---

TEST(ChaosChecker, PendingEntriesOrADisconnectedBrickFail) {
  auto h = good_history();
  h.volumes[0].pending = 3;
  EXPECT_FALSE(check(h, "healed").ok);
  EXPECT_TRUE(mentions(check(h, "healed"), "appdata: 3/3 bricks connected, 3 pending"));
  h = good_history();
  h.volumes[0].bricks_connected = 2;
  EXPECT_FALSE(check(h, "healed").ok);
  h = good_history();
  h.volumes[0].split_brain = 1;
  EXPECT_FALSE(check(h, "healed").ok);
  h = good_history();
  h.volumes[0].observed = false;
  EXPECT_TRUE(mentions(check(h, "healed"), "gluster gave no heal summary"));
  h.volumes.clear();
  EXPECT_FALSE(check(h, "healed").ok);
}

TEST(ChaosChecker, ADataCopyMissingAnAcknowledgedWriteIsNotHealed) {
  auto h = good_history();
  h.reads[2].seqs.erase(99);
  auto v = check(h, "healed");
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(mentions(v,
                       "brick r530:/srv/hearth/bricks/ssd1/appdata: 1 acknowledged write(s) "
                       "missing from this copy: 99"))
      << all_details(v);
  EXPECT_TRUE(check(h, "writes").ok);  // the mount still reads it (from the other copy)
}

TEST(ChaosChecker, NotesAreReportedNotJudged) {
  auto h = good_history();
  h.notes.push_back("fault 6: hearth did not heal the lost disk by itself");
  auto v = check(h, "healed");
  EXPECT_TRUE(v.ok);
  EXPECT_TRUE(mentions(v, "note: fault 6: hearth did not heal the lost disk by itself"));
}

TEST(ChaosChecker, ManyViolationsAreCutShort) {
  auto h = good_history();
  h.reads.clear();
  for (int i = 0; i < 20; ++i)
    h.reads.push_back({"mount " + std::to_string(i), false, false, "gone", {}});
  auto v = check(h, "writes");
  EXPECT_EQ(v.details.size(), 9u);
  EXPECT_EQ(v.details.back(), "... and 12 more");
}

TEST(ChaosChecker, TimesAreRelativeAndNameTheFaultThen) {
  auto h = good_history();
  EXPECT_EQ(describe_time(h, 5000), "+5.0 s");
  EXPECT_EQ(describe_time(h, 12000), "+12.0 s (during fault 1: power-cut r510)");
  EXPECT_EQ(describe_time(h, 26000), "+26.0 s");
  h.faults[0].settled_ms = 0;  // never settled: until the end
  EXPECT_EQ(describe_time(h, 59000), "+59.0 s (during fault 1: power-cut r510)");
}

}  // namespace
}  // namespace hearth::lab
