// Which peer addresses a crawler may connect to (docs/reliability.md H2). The fetcher
// asks at connect time, after DNS, so hostile links, redirects and DNS rebinding
// all meet the same check. Thread-safety: pure functions, reentrant.
#ifndef MEDSCRAPE_FETCH_ADDRESS_POLICY_H_
#define MEDSCRAPE_FETCH_ADDRESS_POLICY_H_

#include <string>
#include <string_view>

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
// (::/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32: its server
// or its client) forms of any blocked IPv4 address.
// Families other than AF_INET and AF_INET6, and null, are blocked.
bool IsBlockedAddress(const struct sockaddr* address);

// True for cloud metadata endpoints, which hand out credentials: 169.254.169.254
// (AWS, GCP, Azure, Oracle...), 169.254.170.2 (AWS ECS task credentials),
// 169.254.0.23 (Tencent Cloud), 100.100.100.200 (Alibaba), 192.0.0.192 (Oracle
// Cloud), fd00:ec2::254 (AWS IPv6), and the IPv4 ones in every IPv6 form
// IsBlockedAddress judges as IPv4. The fetcher refuses them even with
// allow_private: a local mirror never lives there, and a rebinding DNS name of an
// in-scope host must not reach them.
bool IsMetadataAddress(const struct sockaddr* address);

// Why a URL's host (as libcurl's URL parser gives it: IPv6 in brackets) must not
// be fetched, judged on the host alone, or "" if nothing is wrong with it. The
// fetcher asks before every request, so the policy holds even when a proxy
// resolves the names and medscrape never sees the address it reaches:
//  - an IP literal in any spelling a resolver accepts (127.1, 0x7f.1, 0177.0.0.1,
//    2130706433, Unicode digits, a trailing dot, IPv6 with a zone) is judged by
//    IsMetadataAddress and, without allow_private, IsBlockedAddress;
//  - names of metadata services (metadata.google.internal, metadata.goog,
//    metadata, instance-data[.ec2.internal], metadata.tencentyun.com) are refused
//    even with allow_private;
//  - without allow_private, names that are private by definition: single labels
//    ("intranet"), localhost, and names under .localhost, .local, .internal,
//    .home.arpa, .lan, .localdomain, .intranet, .corp, .home and .private.
// Names are judged after IDNA mapping (full-width letters, ideographic dots).
// What cannot be known here: where a proxy's resolver sends any other name (a
// public name pointing at a private address); without a proxy the connect-time
// check below sees the real address.
std::string RefusedHost(std::string_view host, bool allow_private);

// `host` in ASCII: an internationalized name mapped and converted to punycode by
// IDNA2008 with UTS #46 (so "ＥＸＡＭＰＬＥ。com" becomes "example.com" and "①②⑦.0.0.1"
// "127.0.0.1", as a resolver would read them); ASCII input unchanged; "" if it
// cannot be converted.
std::string AsciiHost(std::string_view host);

// Numeric form for messages: "127.0.0.1", "::1", "::ffff:127.0.0.1".
std::string DescribeAddress(const struct sockaddr* address);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_ADDRESS_POLICY_H_
