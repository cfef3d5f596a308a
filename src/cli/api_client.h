#pragma once
// How `hearth status` and `hearth apply` reach a hearthd API, and the options they share:
//   --api http://HOST:PORT   --token-file PATH   --node NAME (a lab node)
// With --api (or no lab running): that URL (default http://127.0.0.1:7070) and token file
// (default /var/lib/hearth/api-token). With a lab running (lab/lab_state.h) and no --api: the
// request is made from inside a node's network namespace (setns, needs root) with that node's
// token: the node named by --node, else each node in turn until one gives a usable answer.

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/http_client.h"
#include "common/result.h"

namespace hearth::cli {

struct ApiOptions {
  std::string api;         // empty: default or lab
  std::string token_file;  // empty: default or lab
  std::string node;        // a lab node
  // How long one node may take to answer (an apply resolves image tags at their registries).
  std::chrono::seconds timeout{10};
  std::vector<std::pair<std::string, std::string>> extra_headers = {};
};

void add_api_options(CLI::App* command, ApiOptions& options);

struct ApiAnswer {
  HttpResponse response;
  std::string from;  // "http://10.1.2.17:7070 (lab node r510)", for messages
};

// Sends one request (`method` `path`, optional body) to the API chosen by `options`. When several
// lab nodes are candidates, `good_enough` decides whether an answer ends the search (e.g. "has
// quorum"); the last answer is returned when none is. Fails when no API answered at all; the
// message says where it tried and what to check.
Result<ApiAnswer> call_api(const ApiOptions& options, const std::string& method,
                           const std::string& path, const std::string& body,
                           const std::function<bool(const HttpResponse&)>& good_enough);

// "alice@laptop": who is applying, for the spec's history.
std::string current_user_at_host();

// "42s", "5m12s", "3h04m", "2d5h" for a duration in milliseconds (negative counts as 0).
std::string human_duration(long long milliseconds);

}  // namespace hearth::cli
