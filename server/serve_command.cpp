#include "serve_command.hpp"

#include "admin.hpp"
#include "app.hpp"
#include "config.hpp"
#include "request_log.hpp"
#include "router.hpp"
#include "routes.hpp"

#include <folio/version.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace folio_server {
namespace {

class api_handler final : public Pistache::Http::Handler {
public:
  HTTP_PROTOTYPE(api_handler)

  explicit api_handler(const router& routes) : routes_(&routes) {}

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    routes_->dispatch(request, std::move(response));
  }

private:
  const router* routes_;
};

// Stops taking connections on the endpoint's listening socket at once, while the connections already accepted go on
// (their turns, sync waits and event streams finish in the drain). Pistache 0.0.5 offers no way to stop only its
// listener, and its descriptor is private, so it is found by what it is: the process's socket listening on `port`.
// shutdown() takes the socket out of the listening state, so a connect() is refused from now on; then an unbound
// socket is put in its place under the same descriptor number: the listener's poller forgets the closed socket,
// and Pistache's own close at the end closes the replacement. False when no such socket was found.
bool stop_listening(std::uint16_t port) {
  const std::filesystem::path descriptors = "/proc/self/fd";
  std::error_code failure;
  for (const auto& entry : std::filesystem::directory_iterator(descriptors, failure)) {
    int descriptor = -1;
    const auto name = entry.path().filename().string();
    if (std::from_chars(name.data(), name.data() + name.size(), descriptor).ec != std::errc{}) {
      continue;
    }
    int listening = 0;
    socklen_t size = sizeof(listening);
    if (::getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0) {
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    if (::getsockname(descriptor, reinterpret_cast<sockaddr*>(&bound), &length) != 0) { // NOLINT
      continue;
    }
    std::uint16_t bound_port = 0;
    if (bound.ss_family == AF_INET) {
      bound_port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port); // NOLINT
    } else if (bound.ss_family == AF_INET6) {
      bound_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port); // NOLINT
    }
    if (bound_port != port) {
      continue;
    }
    ::shutdown(descriptor, SHUT_RDWR);
    const int replacement = ::socket(bound.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (replacement >= 0) {
      ::dup3(replacement, descriptor, O_CLOEXEC);
      ::close(replacement);
    }
    return true;
  }
  return false;
}

// The first start on an empty data directory: an organization and a key, so the seed's first call works at once.
folio::result<std::optional<created_key>> bootstrap(server_app& app) {
  auto organizations = app.store().list_organizations();
  if (!organizations) {
    return organizations.error();
  }
  if (!organizations.value().empty()) {
    return std::optional<created_key>();
  }
  auto org = find_or_create_organization(app.store(), default_organization_name,
                                         {app.config().retention, app.config().purge_after}, app.clock());
  if (!org) {
    return org.error();
  }
  auto key = create_api_key(app.store(), org.value().id, app.clock());
  if (!key) {
    return key.error();
  }
  return std::optional<created_key>(std::move(key).value());
}

void print_first_start(const created_key& key, const server_app& app) {
  std::cout << "First start on an empty data directory: created the organization '" << default_organization_name
            << "' and its API key (shown once, stored only as a hash):\n\n  " << key.secret
            << "\n\nTry the API:\n\n  curl -s " << app.public_url("/excel/generate") << " -H 'Authorization: Bearer "
            << key.secret << "' -H 'Content-Type: application/json' -d '{ \"prompt\": "
            << "\"Create a Q3 sales report\" }'\n\nMore keys: folio-server keys create --org NAME\n"
            << std::endl;
}

} // namespace

int run_serve_command(std::span<const std::string_view> arguments, usage_printer usage) {
  auto loaded = load_config(arguments);
  if (!loaded) {
    std::cerr << "folio-server: " << loaded.error().message << "\n";
    usage(std::cerr);
    return 2;
  }
  auto config = std::move(loaded).value();

  // Signals are taken by sigwait on this thread, never by a handler running on a server thread: block them before
  // any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto opened = server_app::open(config, std::cerr);
  if (!opened) {
    std::cerr << "folio-server: " << folio::to_string(opened.error().code) << ": " << opened.error().message << "\n";
    return 1;
  }
  auto& app = *opened.value();
  router routes(app);
  register_routes(routes, app);

  try {
    Pistache::Http::Endpoint server{Pistache::Address(config.listen)};
    // Pistache refuses a larger request itself (its own 413); the routes' limits are below this one.
    const auto largest = std::max(config.max_body_bytes, config.max_upload_bytes) + (std::size_t{64} << 10U);
    server.init(Pistache::Http::Endpoint::options()
                    .threads(static_cast<int>(config.http_threads))
                    // Close-on-exec: a LibreOffice process the plugins start must not hold the port open.
                    .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::CloseOnExec)
                    .maxRequestSize(largest));
    server.setHandler(Pistache::Http::make_handler<api_handler>(routes));
    server.serveThreaded();
    // With port 0 the system chose one: links and the log name the real address.
    if (config.listen.ends_with(":0")) {
      app.set_listen(config.listen.substr(0, config.listen.size() - 1) + std::to_string(server.getPort()));
    }
    auto first = bootstrap(app);
    if (!first) {
      std::cerr << "folio-server: " << first.error().message << "\n";
      server.shutdown();
      return 1;
    }
    if (auto started = app.start(); !started) {
      std::cerr << "folio-server: " << started.error().message << "\n";
      server.shutdown();
      return 1;
    }
    if (first.value()) {
      print_first_start(*first.value(), app);
    }
    std::cout << R"({"event":"listening","version":")" FOLIO_VERSION_STRING R"(","url":)"
              << nlohmann::json(app.config().base_url()).dump() << R"(,"data_dir":)"
              << nlohmann::json(app.config().data_dir.string()).dump() << "}" << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    const bool stopped_listening = stop_listening(server.getPort());
    request_lines().flush();
    std::cout << R"({"event":"draining","signal":")" << (received == SIGTERM ? "SIGTERM" : "SIGINT")
              << R"(","listening":)" << (stopped_listening ? "false" : "true") << "}" << std::endl;
    app.drain();
    // The last answers are queued on the I/O threads: let them reach their sockets first.
    wait_for_writes(std::chrono::seconds{5});
    server.shutdown();
  } catch (const std::exception& failure) {
    std::cerr << "folio-server: cannot serve on " << config.listen << ": " << failure.what() << "\n";
    return 1;
  }
  request_lines().flush();
  std::cout << R"({"event":"stopped"})" << std::endl;
  return 0;
}

} // namespace folio_server
