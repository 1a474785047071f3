// folio-server, first cut: it serves the health check and answers every API route with a clear "not yet" in the
// error shape of API.md, so clients and scripts can be pointed at it while the HTTP API is being built.
#include <folio/errors.hpp>
#include <folio/version.hpp>

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

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

int usage() {
  std::cerr << "usage: folio-server serve [--listen ADDR:PORT]   (default 127.0.0.1:8080, or FOLIO_LISTEN)\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "serve") {
    return usage();
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread starts
  const char* from_environment = std::getenv("FOLIO_LISTEN");
  std::string listen = from_environment != nullptr ? from_environment : "127.0.0.1:8080";
  for (int index = 2; index < argc; ++index) {
    if (std::string_view(argv[index]) == "--listen" && index + 1 < argc) {
      listen = argv[++index];
    } else {
      return usage();
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
