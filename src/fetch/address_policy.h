// Which peer addresses a crawler may connect to (RELIABILITY.md H2). The fetcher
// asks at connect time, after DNS, so hostile links, redirects and DNS rebinding
// all meet the same check. Thread-safety: pure functions, reentrant.
#ifndef MEDSCRAPE_FETCH_ADDRESS_POLICY_H_
#define MEDSCRAPE_FETCH_ADDRESS_POLICY_H_

#include <string>

struct sockaddr;

namespace medscrape {

// True for addresses a crawler must never connect to unless explicitly allowed:
// unspecified and "this network" (0/8, ::), loopback (127/8, ::1), private (10/8,
// 172.16/12, 192.168/16), link-local (169.254/16 incl. metadata 169.254.169.254,
// fe80::/10), CGNAT 100.64/10 (incl. 100.100.100.200), IETF 192.0.0.0/24,
// benchmarking (198.18/15, 2001:2::/48), documentation (192.0.2/24, 198.51.100/24,
// 203.0.113/24, 2001:db8::/32, 3fff::/20), multicast (224/4, ff00::/8), reserved and
// broadcast (240/4), unique-local fc00::/7, site-local fec0::/10, discard 100::/64,
// local-use NAT64 64:ff9b:1::/48, and the IPv4-mapped (::ffff:0:0/96), IPv4-compatible
// (::/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms of any blocked IPv4 address.
// Families other than AF_INET and AF_INET6, and null, are blocked.
bool IsBlockedAddress(const struct sockaddr* address);

// True for cloud metadata endpoints, which hand out credentials: 169.254.169.254
// (AWS, GCP, Azure...), 169.254.170.2 (AWS ECS task credentials), 100.100.100.200
// (Alibaba), fd00:ec2::254 (AWS IPv6), and the IPv4 ones in every IPv6 form
// IsBlockedAddress judges as IPv4. The fetcher refuses them even with
// allow_private: a local mirror never lives there, and a rebinding DNS name of an
// in-scope host must not reach them.
bool IsMetadataAddress(const struct sockaddr* address);

// Numeric form for messages: "127.0.0.1", "::1", "::ffff:127.0.0.1".
std::string DescribeAddress(const struct sockaddr* address);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_ADDRESS_POLICY_H_
