#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <string>

#include "fetch/address_policy.h"

namespace medscrape {
namespace {

// A sockaddr_in or sockaddr_in6 for a numeric address (IPv6 if it has a colon).
sockaddr_storage Parse(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') == std::string::npos) {
    auto* ipv4 = reinterpret_cast<sockaddr_in*>(&storage);
    ipv4->sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, text.c_str(), &ipv4->sin_addr) == 1);
  } else {
    auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&storage);
    ipv6->sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, text.c_str(), &ipv6->sin6_addr) == 1);
  }
  return storage;
}

bool Blocked(const std::string& text) {
  const sockaddr_storage address = Parse(text);
  return IsBlockedAddress(reinterpret_cast<const sockaddr*>(&address));
}

bool Metadata(const std::string& text) {
  const sockaddr_storage address = Parse(text);
  return IsMetadataAddress(reinterpret_cast<const sockaddr*>(&address));
}

TEST_CASE("IsBlockedAddress blocks every non-public IPv4 range", "[fetch][address]") {
  const char* blocked[] = {
      "0.0.0.0",         "0.1.2.3",         "127.0.0.1",      "127.255.255.254", "10.0.0.1",
      "10.255.255.255",  "172.16.0.1",      "172.31.255.255", "192.168.0.1",     "192.168.255.255",
      "169.254.0.1",     "169.254.169.254", "100.64.0.1",     "100.100.100.200", "100.127.255.255",
      "192.0.0.1",       "192.0.0.255",     "192.0.2.1",      "198.18.0.1",      "198.19.255.255",
      "198.51.100.7",    "203.0.113.9",     "224.0.0.1",      "239.255.255.250", "240.0.0.1",
      "255.255.255.255",
  };
  for (const char* address : blocked) {
    INFO(address);
    CHECK(Blocked(address));
  }
}

TEST_CASE("IsBlockedAddress allows public IPv4 next to the ranges", "[fetch][address]") {
  const char* allowed[] = {
      "8.8.8.8",         "1.1.1.1",        "9.255.255.255", "11.0.0.1",        "126.255.255.255",
      "128.0.0.1",       "172.15.255.255", "172.32.0.1",    "100.63.255.255",  "100.128.0.1",
      "169.253.255.255", "169.255.0.1",    "192.0.1.1",     "192.0.3.1",       "192.167.255.255",
      "192.169.0.1",     "198.17.255.255", "198.20.0.1",    "223.255.255.255",
  };
  for (const char* address : allowed) {
    INFO(address);
    CHECK_FALSE(Blocked(address));
  }
}

TEST_CASE("IsBlockedAddress blocks non-public IPv6 and embedded IPv4 forms", "[fetch][address]") {
  const char* blocked[] = {
      "::",                      // Unspecified.
      "::1",                     // Loopback.
      "fe80::1",                 // Link-local fe80::/10 ...
      "febf:ffff::1",            // ... to its end.
      "fc00::1",                 // Unique-local fc00::/7 ...
      "fd12:3456:789a::1",       // ... both halves.
      "fec0::1",                 // Site-local.
      "ff02::1",                 // Multicast.
      "2001:db8::1",             // Documentation.
      "3fff::1",                 // Documentation (RFC 9637).
      "2001:2::1",               // Benchmarking.
      "100::1",                  // Discard-only.
      "::ffff:127.0.0.1",        // IPv4-mapped ...
      "::ffff:169.254.169.254",  // ... metadata.
      "::ffff:10.0.0.1",         // ... private.
      "::ffff:100.100.100.200",  // ... CGNAT metadata.
      "::ffff:0.0.0.0",          // ... unspecified.
      "::127.0.0.1",             // IPv4-compatible loopback.
      "::10.0.0.1",              // IPv4-compatible private.
      "64:ff9b::7f00:1",         // NAT64 of 127.0.0.1.
      "64:ff9b::a9fe:a9fe",      // NAT64 of 169.254.169.254.
      "64:ff9b:1::1",            // Local-use NAT64.
      "2002:7f00:1::1",          // 6to4 of 127.0.0.1.
      "2002:a9fe:a9fe::",        // 6to4 of 169.254.169.254.
      // Teredo: server 65.54.227.120, client (bits inverted) 192.0.2.45 / 127.0.0.1;
      // server 10.0.0.1 with a public client.
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "2001:0:4136:e378:8000:63bf:80ff:fffe",
      "2001:0:a00:1:8000:63bf:f7f7:f7f7",
  };
  for (const char* address : blocked) {
    INFO(address);
    CHECK(Blocked(address));
  }
}

TEST_CASE("IsBlockedAddress allows public IPv6", "[fetch][address]") {
  const char* allowed[] = {
      "2001:4860::",
      "2001:4860:4860::8888",
      "2606:4700:4700::1111",
      "2400:cb00::1",
      "::ffff:8.8.8.8",
      "64:ff9b::808:808",
      "2002:808:808::1",
      "fe00::1",
      "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  // Teredo: both ends public.
  };
  for (const char* address : allowed) {
    INFO(address);
    CHECK_FALSE(Blocked(address));
  }
}

TEST_CASE("IsBlockedAddress blocks unknown families and null", "[fetch][address]") {
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  CHECK(IsBlockedAddress(reinterpret_cast<const sockaddr*>(&unix_address)));
  CHECK(IsBlockedAddress(nullptr));
}

TEST_CASE("DescribeAddress prints the numeric address", "[fetch][address]") {
  for (const char* text : {"127.0.0.1", "8.8.8.8", "::1", "::ffff:127.0.0.1", "2001:db8::5"}) {
    const sockaddr_storage address = Parse(text);
    CHECK(DescribeAddress(reinterpret_cast<const sockaddr*>(&address)) == text);
  }
}

TEST_CASE("IsMetadataAddress names the cloud metadata endpoints in every form",
          "[fetch][address]") {
  for (const char* text :
       {"169.254.169.254", "169.254.170.2", "100.100.100.200", "169.254.0.23", "192.0.0.192"}) {
    INFO(text);
    CHECK(Metadata(text));
  }
  for (const char* text :
       {"fd00:ec2::254", "::ffff:169.254.169.254", "::ffff:100.100.100.200", "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1", "::169.254.169.254", "::ffff:192.0.0.192",
        "2001:0:4136:e378:8000:63bf:5601:5601", "2001:0:a9fe:a9fe::ffff:ffff"}) {
    INFO(text);
    CHECK(Metadata(text));
  }
  for (const char* text : {"127.0.0.1", "169.254.169.253", "10.0.0.1", "100.100.100.201"}) {
    INFO(text);
    CHECK_FALSE(Metadata(text));
  }
  CHECK_FALSE(Metadata("::1"));
  CHECK_FALSE(Metadata("fd00:ec2::253"));
  CHECK_FALSE(IsMetadataAddress(nullptr));
}

TEST_CASE("RefusedHost judges IP literals in every spelling a resolver accepts",
          "[fetch][address]") {
  // Metadata: refused even with allow_private.
  for (const char* host :
       {"169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "0xa9.0xfe.0xa9.0xfe",
        "169.254.169.254.", "169.254.43518", "100.100.100.200", "169.254.0.23", "192.0.0.192",
        "[fd00:ec2::254]", "[FD00:EC2::254]", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]",
        "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[2001:0:4136:e378:8000:63bf:5601:5601]",
        "\xe2\x91\xa0\xe2\x91\xa5\xe2\x91\xa8.254.169.254"}) {  // ①⑥⑨.254.169.254
    INFO(host);
    CHECK_THAT(RefusedHost(host, true), Catch::Contains("metadata"));
    CHECK_THAT(RefusedHost(host, false), Catch::Contains("metadata"));
  }
  // Private: refused unless allowed.
  for (const char* host : {"127.0.0.1", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "10.0.0.1",
                           "0", "[::1]", "[fe80::1%25eth0]", "[::ffff:127.0.0.1]", "127.0.0.1.",
                           "\xe2\x91\xa0\xe2\x91\xa1\xe2\x91\xa6.0.0.1"}) {  // ①②⑦.0.0.1
    INFO(host);
    CHECK_THAT(RefusedHost(host, false), Catch::Contains("--allow-private"));
    CHECK(RefusedHost(host, true).empty());
  }
  for (const char* host : {"8.8.8.8", "134744072", "[2606:4700:4700::1111]", "[::ffff:8.8.8.8]"}) {
    INFO(host);
    CHECK(RefusedHost(host, false).empty());
  }
  CHECK_FALSE(RefusedHost("[not:an:address::x]", true).empty());
}

TEST_CASE("RefusedHost refuses metadata names always and private names unless allowed",
          "[fetch][address]") {
  for (const char* host :
       {"metadata.google.internal", "METADATA.Google.Internal.", "metadata", "metadata.goog",
        "instance-data", "instance-data.ec2.internal", "metadata.tencentyun.com",
        // ｍｅｔａｄａｔａ。google。internal (full width, ideographic dots)
        "\xef\xbd\x8d\xef\xbd\x85\xef\xbd\x94\xef\xbd\x81\xef\xbd\x84"
        "\xef\xbd\x81\xef\xbd\x94\xef\xbd\x81\xe3\x80\x82google\xe3\x80\x82"
        "internal"}) {
    INFO(host);
    CHECK_THAT(RefusedHost(host, true), Catch::Contains("metadata"));
  }
  for (const char* host : {"localhost", "LOCALHOST.", "app.localhost", "printer.local",
                           "db.internal", "router.home.arpa", "nas.lan", "intranet", "wiki.corp",
                           "box.localdomain", "files.intranet", "pc.home", "svc.private"}) {
    INFO(host);
    CHECK_THAT(RefusedHost(host, false), Catch::Contains("private host name"));
    CHECK(RefusedHost(host, true).empty());
  }
  for (const char* host : {"www.mfk.com", "club.xywy.com", "localhost.example.com", "lan.example",
                           "internal.example.org", "xn--fsqu00a.xn--fiqs8s",
                           "\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad\xe5\x9b\xbd"}) {  // 例子.中国
    INFO(host);
    CHECK(RefusedHost(host, false).empty());
  }
}

}  // namespace
}  // namespace medscrape
