// folio-server. `serve`, first cut: it serves the health check and answers every API route with a clear "not yet" in
// the error shape of API.md, so clients and scripts can be pointed at it while the HTTP API is being built.
// `convert` converts one file through the converter plugins (convert_command.hpp).
#include "convert_command.hpp"

#include <folio/errors.hpp>
#include <folio/version.hpp>

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

class first_cut_handler final : public Pistache::Http::Handler {
public:
  HTTP_PROTOTYPE(first_cut_handler)

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    response.headers().add<Pistache::Http::Header::ContentType>(MIME(Application, Json));
    if (request.resource() == "/healthz") {
      response.send(Pistache::Http::Code::Ok, R"({"status":"ok","version":")" FOLIO_VERSION_STRING "\"}\n");
      return;
    }
    const nlohmann::json body = {
        {"error",
         {{"type", "not_implemented"},
          {"code", "not_implemented"},
          {"message", "folio-server " FOLIO_VERSION_STRING " serves only /healthz so far; the HTTP API of API.md "
                      "(generate, tasks, runs, exports) is not there yet"}}}};
    response.send(Pistache::Http::Code::Not_Implemented, body.dump() + "\n");
  }
};

void print_usage(std::ostream& out) {
  out << "usage: folio-server serve [--listen ADDR:PORT]   (default 127.0.0.1:8080, or FOLIO_LISTEN)\n"
         "       folio-server convert IN --to FMT [--page N] [--width PX] [--sheet NAME] -o OUT\n"
         "       folio-server convert --help\n";
}

int serve(std::span<const std::string_view> arguments) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread starts
  const char* from_environment = std::getenv("FOLIO_LISTEN");
  std::string listen = from_environment != nullptr ? from_environment : "127.0.0.1:8080";
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    if (arguments[index] == "--listen" && index + 1 < arguments.size()) {
      listen = arguments[++index];
    } else {
      print_usage(std::cerr);
      return 2;
    }
  }

  // Signals are taken by sigwait on the main thread, never by a handler running on a server thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    Pistache::Http::Endpoint server{Pistache::Address(listen)};
    server.init(Pistache::Http::Endpoint::options().threads(2).flags(Pistache::Tcp::Options::ReuseAddr));
    server.setHandler(Pistache::Http::make_handler<first_cut_handler>());
    server.serveThreaded();
    std::cout << "folio-server " FOLIO_VERSION_STRING " listening on http://" << listen << " (first cut: /healthz only)"
              << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    server.shutdown();
  } catch (const std::exception& failure) {
    std::cerr << "folio-server: cannot serve on " << listen << ": " << failure.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> arguments(argv, argv + argc);
  const auto command = arguments.size() > 1 ? arguments[1] : std::string_view();
  const auto rest = std::span(arguments).subspan(std::min<std::size_t>(2, arguments.size()));
  if (command == "serve") {
    return serve(rest);
  }
  if (command == "convert") {
    return static_cast<int>(folio_server::run_convert_command(rest));
  }
  if (command == "--help" || command == "-h" || command == "help") {
    print_usage(std::cout);
    return 0;
  }
  print_usage(std::cerr);
  return 2;
}
