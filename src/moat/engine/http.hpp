#pragma once
// A small HTTP client over libcurl for the registry and the Docker Engine API.
//
// One HttpClient owns one curl handle, so consecutive requests reuse the
// connection. Image sources only GET; signing also HEADs, POSTs and PUTs
// small bodies (a registry upload). Transport
// failures come back as ErrorKind::io errors with an empty input; callers
// name the reference they were working on.

#include <moat/core/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::engine {

// A sink receives a blob's bytes in order; returning an error aborts the transfer.
using ByteSink = std::function<core::Status(std::span<const std::byte>)>;

// How an HttpClient reaches its server.
struct HttpOptions {
  std::string unix_socket; // connect through this unix socket instead of TCP
  std::string ca_file;     // PEM CA certificates trusted besides the system store
  std::string client_cert; // PEM client certificate for mutual TLS
  std::string client_key;  // PEM key of client_cert
  long connect_timeout_seconds = 30;
  // A transfer slower than STALL_BYTES_PER_SECOND for STALL_TIMEOUT_SECONDS
  // is aborted, so neither a stuck server nor one that trickles a few bytes
  // a second can hold moat.
  long stall_timeout_seconds = 30;
  long stall_bytes_per_second = 512;
  // Every request must end by this time (the command's --timeout); none
  // when unset.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0}; // what DEADLINE was set from, for messages
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers; // "Name: value"
  bool follow_redirects = false;
  // Whether a followed redirect may leave https for plain http.
  bool allow_plain_redirect = false;
  std::string method = "GET";        // GET, HEAD, POST, PUT
  const std::string* body = nullptr; // sent with POST and PUT; none: empty
};

// The final response of a request (after any redirects it followed).
struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers; // names in lower case
  std::string body;
  std::string effective_url;

  // Value of the last header called NAME (lower case); empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
  // Values of every header called NAME (lower case), in order.
  [[nodiscard]] std::vector<std::string_view> header_values(std::string_view name) const;
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
};

class HttpClient {
public:
  // Makes a client; fails only when libcurl cannot be initialised.
  [[nodiscard]] static core::Result<HttpClient> create(HttpOptions options);

  // GETs the request and keeps the body; a body over MAX_BODY fails with ErrorKind::limit.
  [[nodiscard]] core::Result<HttpResponse> get(const HttpRequest& request, std::size_t max_body);

  // GETs the request; a 2xx body goes to SINK as it arrives (the response body
  // stays empty), any other body is kept, cut at 64 KiB, for the error message.
  // An error returned by SINK is passed back unchanged.
  [[nodiscard]] core::Result<HttpResponse> get_streaming(const HttpRequest& request,
                                                         const ByteSink& sink);

  [[nodiscard]] const HttpOptions& options() const { return m_options; }

private:
  struct CurlDeleter {
    void operator()(void* handle) const;
  };
  HttpClient(HttpOptions options, void* handle) : m_options(std::move(options)), m_curl(handle) {}

  core::Result<HttpResponse> perform(const HttpRequest& request, std::size_t max_body,
                                     const ByteSink* sink);

  HttpOptions m_options;
  std::unique_ptr<void, CurlDeleter> m_curl;
};

// Percent-encodes every byte of TEXT except RFC 3986 unreserved characters and KEEP.
[[nodiscard]] std::string percent_encode(std::string_view text, std::string_view keep = {});

} // namespace moat::engine
