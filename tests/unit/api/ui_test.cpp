#include "api/ui.h"

#include <gtest/gtest.h>

#include "api/ui_assets.h"
#include "fake_control_plane.h"

namespace hearth::api {
namespace {

using namespace std::chrono_literals;
using testing::kToken;

TEST(UiSessions, OnlyTheNodesTokenOpensASession) {
  ManualClock clock;
  UiSessions sessions(kToken, clock);
  EXPECT_FALSE(sessions.login("").ok());
  EXPECT_FALSE(sessions.login(std::string(64, 'b')).ok());
  EXPECT_FALSE(sessions.login(kToken + "a").ok());
  auto session = sessions.login(kToken);
  ASSERT_TRUE(session.ok()) << session.error().message;
  EXPECT_EQ(session->size(), 64u);
  EXPECT_NE(*session, kToken) << "the cookie is not the token";
  EXPECT_TRUE(sessions.valid(*session));
  EXPECT_FALSE(sessions.valid(""));
  EXPECT_FALSE(sessions.valid(std::string(64, '0')));
  auto again = sessions.login(" " + kToken + "\n");
  ASSERT_TRUE(again.ok()) << "pasted with blanks around it";
  EXPECT_NE(*again, *session) << "each login is a session of its own";
}

TEST(UiSessions, ASessionEndsAtLogoutOrAfterItsLifetime) {
  ManualClock clock;
  UiSessions sessions(kToken, clock, 12h);
  auto first = sessions.login(kToken);
  auto second = sessions.login(kToken);
  ASSERT_TRUE(first.ok() && second.ok());
  sessions.logout(*first);
  EXPECT_FALSE(sessions.valid(*first));
  EXPECT_TRUE(sessions.valid(*second));
  clock.advance(12h - 1ms);
  EXPECT_TRUE(sessions.valid(*second));
  clock.advance(1ms);
  EXPECT_FALSE(sessions.valid(*second));
}

TEST(UiSessions, PastTheLimitTheOldestSessionEnds) {
  ManualClock clock;
  UiSessions sessions(kToken, clock, 12h, 2);
  auto a = sessions.login(kToken);
  clock.advance(1s);
  auto b = sessions.login(kToken);
  clock.advance(1s);
  auto c = sessions.login(kToken);
  EXPECT_FALSE(sessions.valid(*a));
  EXPECT_TRUE(sessions.valid(*b));
  EXPECT_TRUE(sessions.valid(*c));
}

TEST(Cookies, AreFoundByName) {
  EXPECT_EQ(cookie_value("hearth_session=abc", "hearth_session"), "abc");
  EXPECT_EQ(cookie_value("a=1; hearth_session=abc; b=2", "hearth_session"), "abc");
  EXPECT_EQ(cookie_value("xhearth_session=abc", "hearth_session"), "");
  EXPECT_EQ(cookie_value("", "hearth_session"), "");
  EXPECT_EQ(cookie_value("hearth_session", "hearth_session"), "");
}

TEST(SameOrigin, OnlyAPageOfThisServerMayWrite) {
  EXPECT_TRUE(same_origin({"http://10.1.2.17:7070", "same-origin", "10.1.2.17:7070"}).ok());
  EXPECT_TRUE(same_origin({"https://10.1.2.17:7070", "", "10.1.2.17:7070"}).ok())
      << "over HTTPS too";
  EXPECT_TRUE(same_origin({"", "same-origin", "10.1.2.17:7070"}).ok());
  EXPECT_FALSE(same_origin({"", "", "10.1.2.17:7070"}).ok()) << "no sign of where it comes from";
  EXPECT_FALSE(same_origin({"http://evil.example", "cross-site", "10.1.2.17:7070"}).ok());
  EXPECT_FALSE(same_origin({"http://10.1.2.17:7070", "same-site", "10.1.2.17:7070"}).ok())
      << "another port of the same host is another origin";
  EXPECT_FALSE(same_origin({"http://10.1.2.17:7071", "", "10.1.2.17:7070"}).ok());
  EXPECT_FALSE(same_origin({"http://10.1.2.17:7070.evil.example", "", "10.1.2.17:7070"}).ok());
  EXPECT_FALSE(same_origin({"null", "", "10.1.2.17:7070"}).ok()) << "a sandboxed frame";
}

TEST(UiAssets, ThePagesAreBuiltIn) {
  for (const char* name : {"index.html", "login.html", "app.js", "style.css"}) {
    const UiAsset* asset = find_ui_asset(name);
    ASSERT_NE(asset, nullptr) << name;
    EXPECT_GT(asset->data.size(), 100u) << name;
  }
  EXPECT_EQ(find_ui_asset("nothing.js"), nullptr);
  EXPECT_EQ(find_ui_asset("app.js")->content_type, "text/javascript; charset=utf-8");
  std::string index(find_ui_asset("index.html")->data);
  EXPECT_NE(index.find("/ui/assets/app.js"), std::string::npos);
  EXPECT_EQ(index.find("http://"), std::string::npos) << "nothing from elsewhere";
  EXPECT_EQ(index.find("https://"), std::string::npos) << "nothing from elsewhere";
}

}  // namespace
}  // namespace hearth::api
