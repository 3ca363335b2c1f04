// N11: a certificate that does not verify is a permanent kTls failure. The
// server is a few lines of Python's ssl module with a self-signed certificate
// made by the openssl command at test time.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"

namespace medscrape {
namespace {

using testing::FetchOne;
using testing::LoopbackOptions;
using testing::ServerProcess;
using testing::TempDir;

// Answers every TLS connection with "200 ok"; exits when stdin closes.
const char kTlsServer[] = R"(import os, socket, ssl, sys, threading
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print("PORT %d" % listener.getsockname()[1], flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
while True:
    client, _ = listener.accept()
    try:
        tls = context.wrap_socket(client, server_side=True)
        tls.recv(65536)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        tls.close()
    except (OSError, ssl.SSLError):
        client.close()
)";

TEST_CASE("A self-signed certificate fails verification as kTls", "[fetch][tls]") {
  TempDir dir;
  REQUIRE(dir.Write("server.py", kTlsServer));
  const std::string cert = dir.path() + "/cert.pem";
  const std::string key = dir.path() + "/key.pem";
  const std::string make_cert =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(make_cert.c_str()) == 0);
  ServerProcess server({"/usr/bin/python3", dir.path() + "/server.py", cert, key});
  REQUIRE(server.ok());

  const FetchResponse response =
      FetchOne("https://127.0.0.1:" + std::to_string(server.port()) + "/", LoopbackOptions());
  INFO(response.error_text);
  CHECK(response.error == FetchError::kTls);
  CHECK_FALSE(response.retryable);
  CHECK(response.status == 0);
  CHECK(response.body.empty());
  CHECK_THAT(response.error_text, Catch::Contains("certificate"));
}

}  // namespace
}  // namespace medscrape
