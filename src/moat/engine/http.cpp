#include <moat/engine/http.hpp>

#include <moat/util/strings.hpp>

#include <curl/curl.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <mutex>
#include <optional>

namespace moat::engine {

namespace {

constexpr std::size_t k_error_body_cap = std::size_t{64} * 1024;
constexpr long k_max_redirects = 10;

// libcurl, loaded the first time a client is made. Linking it would make
// every moat process, a Dockerfile lint included, map libcurl and its
// dozens of dependencies (TLS, Kerberos, LDAP, IDN...) at start, which costs
// more than linting a corpus of Dockerfiles.
struct CurlApi {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  std::string error; // why it could not be loaded; empty when it was
};

template <typename F> bool resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  return out != nullptr;
}

const CurlApi& curl_api() {
  static const CurlApi api = [] {
    CurlApi a;
    void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = ::dlerror();
      a.error = fmt::format("libcurl is needed to reach a daemon or a registry: {}",
                            why != nullptr ? why : "libcurl.so.4 not found");
      return a;
    }
    const bool ok = resolve(lib, "curl_global_init", a.global_init) &&
                    resolve(lib, "curl_easy_init", a.easy_init) &&
                    resolve(lib, "curl_easy_cleanup", a.easy_cleanup) &&
                    resolve(lib, "curl_easy_reset", a.easy_reset) &&
                    resolve(lib, "curl_easy_setopt", a.easy_setopt) &&
                    resolve(lib, "curl_easy_getinfo", a.easy_getinfo) &&
                    resolve(lib, "curl_easy_perform", a.easy_perform) &&
                    resolve(lib, "curl_easy_strerror", a.easy_strerror) &&
                    resolve(lib, "curl_slist_append", a.slist_append) &&
                    resolve(lib, "curl_slist_free_all", a.slist_free_all);
    if (!ok) {
      a.error = "libcurl.so.4 lacks a function moat needs";
      return a;
    }
    a.global_init(CURL_GLOBAL_DEFAULT);
    return a;
  }();
  return api;
}

// State shared with the libcurl callbacks of one transfer.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  const ByteSink* sink = nullptr;
  std::size_t max_body = 0;
  std::optional<core::Error> error;
  std::uint64_t bytes = 0; // header and body bytes received
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  transfer->bytes += n;
  std::string_view line(data, n);
  // Every response (a redirect, a 100 Continue, the final one) starts with a
  // status line; only the last response's headers are kept.
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos)
    return n;
  auto name = util::to_lower(util::trim(line.substr(0, colon)));
  auto value = std::string(util::trim(line.substr(colon + 1)));
  transfer->response->headers.emplace_back(std::move(name), std::move(value));
  return n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  transfer->bytes += n;
  long status = 0;
  curl_api().easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
  const bool success = status >= 200 && status < 300;
  if (transfer->sink != nullptr && success) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), n);
    if (auto st = (*transfer->sink)(bytes); !st) {
      transfer->error = std::move(st).error();
      return 0; // makes libcurl stop with CURLE_WRITE_ERROR
    }
    return n;
  }
  auto& body = transfer->response->body;
  if (transfer->sink != nullptr) {
    // An error body only feeds the message; the rest is read and dropped.
    body.append(data, std::min(n, k_error_body_cap - std::min(k_error_body_cap, body.size())));
    return n;
  }
  if (body.size() + n > transfer->max_body) {
    transfer->error =
        core::Error{core::ErrorKind::limit, "",
                    fmt::format("response is larger than {} bytes", transfer->max_body)};
    return 0;
  }
  body.append(data, n);
  return n;
}

std::string lower_first(std::string text) {
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Frees a curl_slist when the transfer ends, whichever way.
struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() {
    if (list != nullptr)
      curl_api().slist_free_all(list);
  }
};

} // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  std::string_view found;
  for (const auto& [key, value] : headers)
    if (key == name)
      found = value;
  return found;
}

std::vector<std::string_view> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [key, value] : headers)
    if (key == name)
      out.emplace_back(value);
  return out;
}

void HttpClient::CurlDeleter::operator()(void* handle) const {
  curl_api().easy_cleanup(static_cast<CURL*>(handle));
}

core::Result<HttpClient> HttpClient::create(HttpOptions options) {
  const auto& api = curl_api();
  if (!api.error.empty())
    return core::fail(core::ErrorKind::internal, "", api.error);
  CURL* handle = api.easy_init();
  if (handle == nullptr)
    return core::fail(core::ErrorKind::internal, "", "cannot initialise libcurl");
  return HttpClient(std::move(options), handle);
}

core::Result<HttpResponse> HttpClient::get(const HttpRequest& request, std::size_t max_body) {
  return perform(request, max_body, nullptr);
}

core::Result<HttpResponse> HttpClient::get_streaming(const HttpRequest& request,
                                                     const ByteSink& sink) {
  return perform(request, 0, &sink);
}

core::Result<HttpResponse> HttpClient::perform(const HttpRequest& request, std::size_t max_body,
                                               const ByteSink* sink) {
  const auto& api = curl_api();
  auto* curl = static_cast<CURL*>(m_curl.get());
  // A reset drops every option of the previous request but keeps the open
  // connections, so no state leaks from one request to the next.
  api.easy_reset(curl);

  HttpResponse response;
  Transfer transfer{curl, &response, sink, max_body, std::nullopt, 0};
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  HeaderList headers;
  for (const auto& header : request.headers) {
    auto* grown = api.slist_append(headers.list, header.c_str());
    if (grown == nullptr)
      return core::fail(core::ErrorKind::internal, "", "out of memory building a request");
    headers.list = grown;
  }

  api.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  static const std::string k_no_body;
  if (request.method == "HEAD") {
    api.easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    const std::string& body = request.body != nullptr ? *request.body : k_no_body;
    api.easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_USERAGENT, "moat");
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, m_options.connect_timeout_seconds);
  api.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, m_options.stall_bytes_per_second);
  api.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, m_options.stall_timeout_seconds);
  if (m_options.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *m_options.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return core::fail(core::ErrorKind::io, "",
                        fmt::format("timed out: the --timeout of {} passed before {} was asked",
                                    util::describe_duration(m_options.timeout), request.url));
    api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  }
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  if (request.follow_redirects) {
    api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    api.easy_setopt(curl, CURLOPT_MAXREDIRS, k_max_redirects);
    // libcurl drops a custom Authorization header when a redirect changes
    // host, so registry credentials never reach a blob store's CDN.
    api.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
                    request.allow_plain_redirect ? "http,https" : "https");
  }
  if (!m_options.unix_socket.empty())
    api.easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, m_options.unix_socket.c_str());
  if (!m_options.ca_file.empty())
    api.easy_setopt(curl, CURLOPT_CAINFO, m_options.ca_file.c_str());
  if (!m_options.client_cert.empty())
    api.easy_setopt(curl, CURLOPT_SSLCERT, m_options.client_cert.c_str());
  if (!m_options.client_key.empty())
    api.easy_setopt(curl, CURLOPT_SSLKEY, m_options.client_key.c_str());

  CURLcode rc = api.easy_perform(curl);
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  if (api.easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
      effective != nullptr)
    response.effective_url = effective;
  // The handle still points at this frame's error buffer, header list and
  // transfer state; drop those pointers before they dangle.
  api.easy_reset(curl);
  if (transfer.error)
    return std::unexpected(std::move(*transfer.error));
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    // Say which limit ended it and what was being fetched.
    // libcurl's clock and ours differ by a little: within a quarter second
    // of the deadline, the deadline is what ended the transfer.
    if (m_options.deadline &&
        std::chrono::steady_clock::now() + std::chrono::milliseconds(250) >= *m_options.deadline)
      return core::fail(core::ErrorKind::io, "",
                        fmt::format("timed out: the --timeout of {} passed while reading {}",
                                    util::describe_duration(m_options.timeout), request.url));
    if (response.status == 0 && transfer.bytes == 0)
      return core::fail(core::ErrorKind::io, "",
                        fmt::format("stalled: no answer within {} s to {} ({})",
                                    m_options.stall_timeout_seconds, request.url,
                                    lower_first(std::string(error_buffer.data()))));
    return core::fail(core::ErrorKind::io, "",
                      fmt::format("stalled: under {} bytes/s for {} s while reading {}",
                                  m_options.stall_bytes_per_second, m_options.stall_timeout_seconds,
                                  request.url));
  }
  if (rc != CURLE_OK) {
    std::string message = error_buffer[0] != '\0' ? std::string(error_buffer.data())
                                                  : std::string(api.easy_strerror(rc));
    return core::fail(core::ErrorKind::io, "", lower_first(std::move(message)));
  }
  return response;
}

std::string percent_encode(std::string_view text, std::string_view keep) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~' ||
        keep.find(c) != std::string_view::npos)
      out += c;
    else
      out += fmt::format("%{:02X}", u);
  }
  return out;
}

} // namespace moat::engine
