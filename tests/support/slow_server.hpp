#pragma once
// A deliberately bad HTTP server on 127.0.0.1 for timeout tests: it accepts
// connections and then either never answers or trickles a response a few
// bytes a second. It runs on a thread of the test and stops with its object.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace moat::test {

class SlowServer {
public:
  enum class Mode { silent, trickle };

  explicit SlowServer(Mode mode) : m_mode(mode) {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen < 0)
      throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_listen, 16) != 0 ||
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("bind/listen failed");
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~SlowServer() {
    m_stop = true;
    m_thread.join();
    for (int fd : m_clients)
      ::close(fd);
    ::close(m_listen);
  }
  SlowServer(const SlowServer&) = delete;
  SlowServer& operator=(const SlowServer&) = delete;

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
  void serve() {
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 1000000\r\n\r\n";
    while (!m_stop) {
      pollfd p{m_listen, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
          m_clients.push_back(fd);
          if (m_mode == Mode::trickle)
            (void)!::write(fd, head.data(), head.size());
        }
      }
      if (m_mode == Mode::trickle && std::chrono::steady_clock::now() >= m_next) {
        m_next = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        for (int fd : m_clients)
          (void)!::write(fd, " ", 1); // two bytes a second: alive, never done
      }
    }
  }

  Mode m_mode;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::vector<int> m_clients;
  std::chrono::steady_clock::time_point m_next{};
  std::thread m_thread;
};

} // namespace moat::test
