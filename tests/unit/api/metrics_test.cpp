#include "api/metrics.h"

#include <gtest/gtest.h>

#include "status_json.h"

namespace hearth::api {
namespace {

using testing::example_status;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, RendersTheClusterFromTheStatus) {
  NodeMetrics metrics;
  auto status = example_status();
  status["volumes"][0]["bricks"][2]["up"] = nullptr;  // unknown (gluster did not answer)
  std::string text = render_metrics(status, metrics, "r510", "0.1.0");
  for (const char* line : {
           "hearth_build_info{node=\"r510\",version=\"0.1.0\"} 1",
           "hearth_status_up 1",
           "hearth_quorum 1",
           "hearth_etcd_members 3",
           "hearth_etcd_members_up 3",
           "hearth_etcd_member_up{node=\"r530\"} 1",
           "hearth_spec_revision 4",
           "hearth_leader_since_timestamp_seconds 1700000000",
           "hearth_node_up{node=\"r510\",role=\"server\"} 1",
           "hearth_node_up{node=\"elitedesk\",role=\"arbiter\"} 1",
           "hearth_node_leader{node=\"r510\"} 1",
           "hearth_node_leader{node=\"r530\"} 0",
           "hearth_node_drained{node=\"r530\"} 0",
           "hearth_node_start_time_seconds{node=\"r530\"} 1699999990",
           "hearth_lease_held 1",
           "hearth_fences_total 2",
           "hearth_lease_last_renewal_age_seconds 0.12",
           "hearth_service_up{service=\"homepage\"} 1",
           "hearth_service_up{service=\"notes\"} 0",
           "hearth_service_state{service=\"homepage\",state=\"running\"} 1",
           "hearth_service_state{service=\"homepage\",state=\"failed\"} 0",
           "hearth_service_state{service=\"notes\",state=\"not_running\"} 1",
           "hearth_service_node{service=\"whoami\",node=\"r530\"} 1",
           "hearth_service_restarts_total{service=\"homepage\"} 1",
           "hearth_service_probe_success{service=\"homepage\"} 1",
           "hearth_service_probe_duration_seconds{service=\"homepage\"} 0.003",
           "hearth_volume_heal_pending_entries{volume=\"appdata\"} 0",
           "hearth_volume_split_brain_entries{volume=\"appdata\"} 0",
           "hearth_brick_up{volume=\"appdata\",node=\"r530\",brick=\"/srv/hearth/bricks/ssd1/"
           "appdata\",role=\"data\"} 1",
           "hearth_volume_mounted{volume=\"appdata\",node=\"r510\"} 1",
           "hearth_volume_size_bytes{volume=\"appdata\"} 1000",
           "hearth_volume_free_bytes{volume=\"appdata\"} 750",
           "# TYPE hearth_service_restarts_total counter",
           "# TYPE hearth_failover_duration_seconds histogram",
       }) {
    EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("elitedesk\",brick"), std::string::npos)
      << "a brick whose state is unknown (null) is left out, not shown down:\n"
      << text;
  EXPECT_EQ(text.find("hearth_service_node{service=\"notes\""), std::string::npos);
}

TEST(Metrics, EachFamilyIsWrittenOnceWithItsSamplesTogether) {
  NodeMetrics metrics;
  std::string text = render_metrics(example_status(), metrics, "r510", "0.1.0");
  std::size_t at = text.find("# TYPE hearth_node_up gauge");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text.find("# TYPE hearth_node_up gauge", at + 1), std::string::npos);
  // The three node_up samples follow their TYPE line directly.
  std::string after = text.substr(at);
  auto line = [&](int n) {
    std::size_t start = 0;
    for (int i = 0; i < n; ++i) start = after.find('\n', start) + 1;
    return after.substr(start, after.find('\n', start) - start);
  };
  EXPECT_EQ(line(1).rfind("hearth_node_up{node=\"r510\"", 0), 0u) << after;
  EXPECT_EQ(line(3).rfind("hearth_node_up{node=\"elitedesk\"", 0), 0u) << after;
}

TEST(Metrics, WithoutAStatusOnlyThisNodesOwnMetricsAreGiven) {
  NodeMetrics metrics;
  metrics.status_failures += 3;
  std::string text = render_metrics(nullptr, metrics, "r510", "0.1.0");
  EXPECT_TRUE(has_line(text, "hearth_status_up 0")) << text;
  EXPECT_TRUE(has_line(text, "hearth_status_read_failures_total 3")) << text;
  EXPECT_EQ(text.find("hearth_quorum"), std::string::npos) << text;
  EXPECT_EQ(text.find("hearth_node_up"), std::string::npos) << text;
}

TEST(Metrics, HistogramsAreCumulativeWithSumAndCount) {
  NodeMetrics metrics;
  metrics.failover_seconds.observe(0.4);
  metrics.failover_seconds.observe(2.2);
  metrics.failover_seconds.observe(2.5);
  metrics.failover_seconds.observe(90);
  metrics.failovers += 4;
  std::string text = render_metrics(nullptr, metrics, "r510", "0.1.0");
  for (const char* line :
       {"hearth_failover_duration_seconds_bucket{le=\"0.5\"} 1",
        "hearth_failover_duration_seconds_bucket{le=\"2\"} 1",
        "hearth_failover_duration_seconds_bucket{le=\"2.5\"} 3",
        "hearth_failover_duration_seconds_bucket{le=\"60\"} 3",
        "hearth_failover_duration_seconds_bucket{le=\"+Inf\"} 4",
        "hearth_failover_duration_seconds_sum 95.1", "hearth_failover_duration_seconds_count 4",
        "hearth_failovers_total 4"}) {
    EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\nin:\n" << text;
  }
}

TEST(Metrics, LabelValuesAreEscaped) {
  auto status = example_status();
  status["services"][0]["name"] = "a\"b\\c\nd";
  NodeMetrics metrics;
  std::string text = render_metrics(status, metrics, "r510", "0.1.0");
  EXPECT_TRUE(has_line(text, "hearth_service_up{service=\"a\\\"b\\\\c\\nd\"} 1")) << text;
}

}  // namespace
}  // namespace hearth::api
