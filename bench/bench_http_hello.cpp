// The baseline of folio-server's HTTP throughput: a Pistache 0.0.5 hello-world with the same settings (2 I/O threads,
// connections kept alive as HTTP/1.1 expects), to run wrk against beside folio-server. bench/README.md has the
// commands and the numbers. Usage: folio_bench_http_hello [ADDR:PORT] (default 127.0.0.1:9080); stops on SIGINT.
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <iostream>
#include <string>

namespace {

class hello_handler final : public Pistache::Http::Handler {
public:
  HTTP_PROTOTYPE(hello_handler)

  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    using Pistache::Http::ConnectionControl;
    const auto asked = request.headers().tryGet<Pistache::Http::Header::Connection>();
    const bool keep =
        asked ? asked->control() != ConnectionControl::Close : request.version() == Pistache::Http::Version::Http11;
    response.headers().remove<Pistache::Http::Header::Connection>();
    response.headers().add<Pistache::Http::Header::Connection>(keep ? ConnectionControl::KeepAlive
                                                                    : ConnectionControl::Close);
    response.send(Pistache::Http::Code::Ok, "{\"hello\":\"world\"}\n");
  }
};

} // namespace

int main(int argc, char** argv) {
  const std::string listen = argc > 1 ? argv[1] : "127.0.0.1:9080";
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Pistache::Http::Endpoint server{Pistache::Address(listen)};
  server.init(Pistache::Http::Endpoint::options().threads(2).flags(Pistache::Tcp::Options::ReuseAddr));
  server.setHandler(Pistache::Http::make_handler<hello_handler>());
  server.serveThreaded();
  std::cout << "hello-world on http://" << listen << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.shutdown();
  return 0;
}
