// A small HTTP/1.1 client over a plain socket, enough to drive folio-server as any client would: keep-alive
// connections, Content-Length and chunked bodies (Server-Sent Events), and a view of the connection it used; and the
// headers and JSON requests of API calls made with a key.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace folio_server_test {

struct http_response {
  int status = 0;
  // Lower-case names.
  std::map<std::string, std::string> headers;
  std::string body;

  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  // The error code of an API error answer.
  [[nodiscard]] std::string error_code() const {
    const auto parsed = json();
    return parsed.is_object() && parsed.contains("error") ? parsed["error"].value("code", "") : "";
  }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_connection {
public:
  http_connection(std::string host, int port) : host_(std::move(host)), port_(port) {}
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;
  ~http_connection() { close(); }

  http_response request(const std::string& method, const std::string& target, const header_list& headers = {},
                        const std::string& body = {}) {
    send(method, target, headers, body);
    return receive();
  }

  // Sends a request without waiting for its answer (receive() reads it), so many can wait at once.
  void send(const std::string& method, const std::string& target, const header_list& headers = {},
            const std::string& body = {}) {
    if (socket_ < 0) {
      connect();
    }
    std::string message = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) + "\r\n";
    for (const auto& [name, value] : headers) {
      message += name + ": " + value + "\r\n";
    }
    if (!body.empty() || method == "POST" || method == "PUT") {
      message += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    message += "\r\n" + body;
    send_all(message);
  }

  http_response receive() {
    auto response = read_response();
    if (lower(response.header("connection")) == "close") {
      close();
    }
    return response;
  }

  // The number of TCP connections this client has opened: 1 after many requests means they were kept alive.
  [[nodiscard]] int connections_opened() const { return connections_; }
  [[nodiscard]] bool open() const { return socket_ >= 0; }

  void close() {
    if (socket_ >= 0) {
      ::close(socket_);
      socket_ = -1;
    }
    buffer_.clear();
  }

private:
  static std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char letter) { return static_cast<char>(std::tolower(letter)); });
    return text;
  }

  void connect() {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    ::inet_pton(AF_INET, host_.c_str(), &address.sin_addr);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    if (::connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      close();
      throw std::runtime_error("cannot connect to " + host_ + ":" + std::to_string(port_));
    }
    ++connections_;
  }

  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto written = ::send(socket_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (written <= 0) {
        throw std::runtime_error("the server closed the connection while the request was sent");
      }
      sent += static_cast<std::size_t>(written);
    }
  }

  // More bytes into buffer_; false when the server closed the connection.
  bool fill() {
    char chunk[65536];
    const auto got = ::recv(socket_, chunk, sizeof chunk, 0);
    if (got <= 0) {
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  std::string read_line() {
    while (true) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        auto line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      if (!fill()) {
        throw std::runtime_error("the connection closed in the middle of a response");
      }
    }
  }

  std::string read_exactly(std::size_t size) {
    while (buffer_.size() < size) {
      if (!fill()) {
        throw std::runtime_error("the connection closed in the middle of a body");
      }
    }
    auto data = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return data;
  }

  http_response read_response() {
    http_response response;
    const auto status_line = read_line();
    response.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
    while (true) {
      const auto line = read_line();
      if (line.empty()) {
        break;
      }
      const auto colon = line.find(':');
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[lower(line.substr(0, colon))] = value;
    }
    if (lower(response.header("transfer-encoding")) == "chunked") {
      while (true) {
        const auto size = std::stoul(read_line(), nullptr, 16);
        if (size == 0) {
          read_line();
          break;
        }
        response.body += read_exactly(size);
        read_line();
      }
    } else if (const auto length = response.header("content-length"); !length.empty()) {
      response.body = read_exactly(std::stoul(length));
    }
    return response;
  }

  std::string host_;
  int port_;
  int socket_ = -1;
  int connections_ = 0;
  std::string buffer_;
};

// The headers of a request made with an API key.
inline header_list auth(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

// The headers of a request made with an API key that sends a JSON body.
inline header_list json_headers(const std::string& key) {
  return {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
}

// POSTs `body` as JSON with an API key, and `extra` headers after the key's.
inline http_response post_json(http_connection& client, const std::string& target, const std::string& key,
                               const nlohmann::json& body, const header_list& extra = {}) {
  auto headers = json_headers(key);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return client.request("POST", target, headers, body.dump());
}

} // namespace folio_server_test
