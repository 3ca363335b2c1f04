#include "fetch/address_policy.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>
#include <vector>

namespace medscrape {
namespace {

struct Ipv4Range {
  uint32_t network;  // Host byte order.
  int prefix_bits;
};

// IANA special-purpose and non-public IPv4 ranges (RFC 6890 and successors).
constexpr Ipv4Range kBlockedIpv4[] = {
    {0x00000000, 8},   // 0.0.0.0/8 "this network", incl. the unspecified address.
    {0x0A000000, 8},   // 10.0.0.0/8 private.
    {0x64400000, 10},  // 100.64.0.0/10 CGNAT, incl. Alibaba metadata 100.100.100.200.
    {0x7F000000, 8},   // 127.0.0.0/8 loopback.
    {0xA9FE0000, 16},  // 169.254.0.0/16 link-local, incl. cloud metadata 169.254.169.254.
    {0xAC100000, 12},  // 172.16.0.0/12 private.
    {0xC0000000, 24},  // 192.0.0.0/24 IETF protocol assignments.
    {0xC0000200, 24},  // 192.0.2.0/24 documentation (TEST-NET-1).
    {0xC0A80000, 16},  // 192.168.0.0/16 private.
    {0xC6120000, 15},  // 198.18.0.0/15 benchmarking.
    {0xC6336400, 24},  // 198.51.100.0/24 documentation (TEST-NET-2).
    {0xCB007100, 24},  // 203.0.113.0/24 documentation (TEST-NET-3).
    {0xE0000000, 4},   // 224.0.0.0/4 multicast.
    {0xF0000000, 4},   // 240.0.0.0/4 reserved, incl. broadcast 255.255.255.255.
};

bool IsBlockedIpv4(uint32_t address) {
  for (const Ipv4Range& range : kBlockedIpv4) {
    const uint32_t mask = ~uint32_t{0} << (32 - range.prefix_bits);
    if ((address & mask) == range.network) return true;
  }
  return false;
}

struct Ipv6Range {
  uint8_t network[16];
  int prefix_bits;
};

bool InRange(const uint8_t* address, const Ipv6Range& range) {
  const int whole_bytes = range.prefix_bits / 8;
  if (std::memcmp(address, range.network, whole_bytes) != 0) return false;
  const int rest = range.prefix_bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address[whole_bytes] & mask) == (range.network[whole_bytes] & mask);
}

// Wholly blocked IPv6 ranges. :: and ::1 are caught as IPv4-compatible forms of
// 0.0.0.0 and 0.0.0.1 (both in 0/8).
constexpr Ipv6Range kBlockedIpv6[] = {
    {{0x01, 0x00}, 64},                          // 100::/64 discard-only.
    {{0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48},  // 64:ff9b:1::/48 local-use NAT64.
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48},  // 2001:2::/48 benchmarking.
    {{0x20, 0x01, 0x0D, 0xB8}, 32},              // 2001:db8::/32 documentation.
    {{0x3F, 0xFF}, 20},                          // 3fff::/20 documentation.
    {{0xFC}, 7},                                 // fc00::/7 unique-local.
    {{0xFE, 0x80}, 10},                          // fe80::/10 link-local.
    {{0xFE, 0xC0}, 10},                          // fec0::/10 site-local (deprecated).
    {{0xFF}, 8},                                 // ff00::/8 multicast.
};

// Ranges that carry an IPv4 address, and where it sits: such an address reaches
// the IPv4 host it embeds, so it is judged as that host.
struct EmbeddingRange {
  Ipv6Range range;
  int ipv4_offset;
};
constexpr EmbeddingRange kIpv4Embedding[] = {
    {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96}, 12},  // ::ffff:0:0/96 mapped.
    {{{0}, 96}, 12},                                         // ::/96 compatible.
    {{{0x00, 0x64, 0xFF, 0x9B}, 96}, 12},                    // 64:ff9b::/96 NAT64.
    {{{0x20, 0x02}, 16}, 2},                                 // 2002::/16 6to4.
};
// Teredo (2001::/32, RFC 4380): the server's IPv4 address in bits 32-63 and the
// client's, every bit inverted, in bits 96-127. Both are judged.
constexpr Ipv6Range kTeredo = {{0x20, 0x01, 0x00, 0x00}, 32};

uint32_t ReadIpv4(const uint8_t* bytes) {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
         uint32_t{bytes[3]};
}

// The IPv4 addresses an IPv6 address reaches through one of the forms above (at most two).
std::vector<uint32_t> EmbeddedIpv4(const uint8_t* address) {
  if (InRange(address, kTeredo)) return {ReadIpv4(address + 4), ~ReadIpv4(address + 12)};
  for (const EmbeddingRange& embedding : kIpv4Embedding) {
    if (InRange(address, embedding.range)) return {ReadIpv4(address + embedding.ipv4_offset)};
  }
  return {};
}

bool IsBlockedIpv6(const uint8_t* address) {
  for (const Ipv6Range& range : kBlockedIpv6) {
    if (InRange(address, range)) return true;
  }
  const std::vector<uint32_t> embedded = EmbeddedIpv4(address);
  return std::any_of(embedded.begin(), embedded.end(), IsBlockedIpv4);
}

// 169.254.169.254 (AWS, GCP, Azure, Oracle, DigitalOcean...), 169.254.170.2 (AWS ECS task
// credentials), 169.254.0.23 (Tencent Cloud), 100.100.100.200 (Alibaba Cloud), 192.0.0.192
// (Oracle Cloud).
constexpr uint32_t kMetadataIpv4[] = {0xA9FEA9FE, 0xA9FEAA02, 0xA9FE0017, 0x646464C8, 0xC00000C0};
constexpr uint8_t kMetadataIpv6[16] = {0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0,    0,
                                       0,    0,    0,    0,    0, 0, 0x02, 0x54};

bool IsMetadataIpv4(uint32_t address) {
  return std::find(std::begin(kMetadataIpv4), std::end(kMetadataIpv4), address) !=
         std::end(kMetadataIpv4);
}

// Host names of metadata services (some resolve only inside their cloud).
constexpr std::string_view kMetadataNames[] = {
    "metadata.google.internal",
    "metadata.goog",
    "metadata",  // Google Cloud.
    "instance-data",
    "instance-data.ec2.internal",  // AWS.
    "metadata.tencentyun.com",     // Tencent Cloud.
};

// Names that are private by definition, whatever they resolve to: RFC 6761
// (localhost), RFC 6762 (local), RFC 8375 (home.arpa), ICANN's reserved
// "internal", and the suffixes private networks use by convention.
constexpr std::string_view kPrivateSuffixes[] = {
    "localhost",   "local",    "internal", "home.arpa", "lan",
    "localdomain", "intranet", "corp",     "home",      "private"};

bool IsLabelSuffix(std::string_view name, std::string_view suffix) {
  if (name == suffix) return true;
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix &&
         name[name.size() - suffix.size() - 1] == '.';
}

// The name as a resolver would see it (AsciiHost), lower case, one trailing dot
// dropped; empty when it cannot be mapped.
std::string ResolverName(std::string_view host) {
  std::string name = AsciiHost(host);
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

}  // namespace

std::string AsciiHost(std::string_view host) {
  std::string name(host);
  if (std::none_of(name.begin(), name.end(), [](char c) { return c & 0x80; })) return name;
  char* ascii = nullptr;
  if (idn2_to_ascii_8z(name.c_str(), &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK) return "";
  name = ascii;
  idn2_free(ascii);
  return name;
}

std::string RefusedHost(std::string_view host, bool allow_private) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string literal(host.substr(1, host.size() - 2));
    literal = literal.substr(0, literal.find('%'));  // A zone id says which link, not where.
    sockaddr_in6 ipv6{};
    ipv6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, literal.c_str(), &ipv6.sin6_addr) != 1) return "not an IPv6 address";
    const auto* address = reinterpret_cast<const sockaddr*>(&ipv6);
    if (IsMetadataAddress(address)) return "a cloud metadata address (never fetched)";
    if (!allow_private && IsBlockedAddress(address)) {
      return "a private or reserved address (needs --allow-private)";
    }
    return "";
  }
  const std::string name = ResolverName(host);
  if (name.empty()) return "not a valid host name";
  // Every spelling a resolver reads as an IPv4 address: 127.1, 0x7f.1, 0177.0.0.1, 2130706433.
  sockaddr_in ipv4{};
  ipv4.sin_family = AF_INET;
  if (inet_aton(name.c_str(), &ipv4.sin_addr) != 0) {
    const auto* address = reinterpret_cast<const sockaddr*>(&ipv4);
    if (IsMetadataAddress(address)) return "a cloud metadata address (never fetched)";
    if (!allow_private && IsBlockedAddress(address)) {
      return "a private or reserved address (needs --allow-private)";
    }
    return "";
  }
  if (std::find(std::begin(kMetadataNames), std::end(kMetadataNames), name) !=
      std::end(kMetadataNames)) {
    return "a cloud metadata host name (never fetched)";
  }
  if (allow_private) return "";
  const bool private_name =
      name.find('.') == std::string::npos ||
      std::any_of(std::begin(kPrivateSuffixes), std::end(kPrivateSuffixes),
                  [&](std::string_view suffix) { return IsLabelSuffix(name, suffix); });
  return private_name ? "a private host name (needs --allow-private)" : "";
}

bool IsMetadataAddress(const struct sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    return IsMetadataIpv4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return false;
  const uint8_t* bytes = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr;
  if (std::memcmp(bytes, kMetadataIpv6, sizeof(kMetadataIpv6)) == 0) return true;
  const std::vector<uint32_t> embedded = EmbeddedIpv4(bytes);
  return std::any_of(embedded.begin(), embedded.end(), IsMetadataIpv4);
}

bool IsBlockedAddress(const struct sockaddr* address) {
  if (address == nullptr) return true;
  if (address->sa_family == AF_INET) {
    const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(address);
    return IsBlockedIpv4(ntohl(ipv4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IsBlockedIpv6(ipv6->sin6_addr.s6_addr);
  }
  return true;
}

std::string DescribeAddress(const struct sockaddr* address) {
  if (address == nullptr) return "(no address)";
  char text[INET6_ADDRSTRLEN] = "";
  const void* raw = nullptr;
  if (address->sa_family == AF_INET) {
    raw = &reinterpret_cast<const sockaddr_in*>(address)->sin_addr;
  } else if (address->sa_family == AF_INET6) {
    raw = &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  } else {
    return "(address family " + std::to_string(address->sa_family) + ")";
  }
  if (inet_ntop(address->sa_family, raw, text, sizeof(text)) == nullptr) return "(unprintable)";
  return text;
}

}  // namespace medscrape
