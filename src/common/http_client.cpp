#include "common/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace hearth {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Result<HttpResponse> http_request(const HttpRequest& request) {
  global_init();
  std::string where = request.method + " " + request.url;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Error{where + ": cannot create an HTTP client handle (out of memory?)"};
  CURL* h = curl.get();

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [name, value] : request.headers) {
    curl_slist* grown = curl_slist_append(headers.get(), (name + ": " + value).c_str());
    if (grown == nullptr) return Error{where + ": out of memory building headers"};
    (void)headers.release();
    headers.reset(grown);
  }
  // libcurl would otherwise send "Expect: 100-continue" for larger bodies and wait for it.
  curl_slist* grown = curl_slist_append(headers.get(), "Expect:");
  if (grown == nullptr) return Error{where + ": out of memory building headers"};
  (void)headers.release();
  headers.reset(grown);

  HttpResponse response;
  long timeout_ms = static_cast<long>(request.timeout.count());
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // required for timeouts in multi-threaded programs
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    std::string reason = curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      reason = "timed out after " + std::to_string(timeout_ms) + " ms";
    } else if (code == CURLE_COULDNT_CONNECT) {
      reason = "connection refused (is the server running and listening there?)";
    }
    return Error{where + ": " + reason};
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* content_type = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  return response;
}

}  // namespace hearth
