// The built-in site files. Each returns its tables; registry.cc lists them.
// Adding a site: write extractors/<site>.cc returning a SiteSpec, declare it
// here, add it to BuiltinSites() in registry.cc, and add fixtures/<site>/ pages.
#ifndef MEDSCRAPE_EXTRACTORS_SITES_H_
#define MEDSCRAPE_EXTRACTORS_SITES_H_

#include <string>
#include <vector>

#include "extract/site_spec.h"

namespace medscrape {

SiteSpec MfkSite();
SiteSpec Ask120Site();
SiteSpec XywySite();
SiteSpec GenericSite();  // Fallback when no site matches: title, description, published.

// All site files in routing order (first match wins).
std::vector<SiteSpec> BuiltinSites();

// Doctor object keys in output order; every answer carries all of them.
inline const std::vector<std::string> kDoctorKeys = {
    "doctor.name", "doctor.title", "doctor.hospital", "doctor.hospital_grade",
    "doctor.department"};

// Site-local time of all three launch sites (China Standard Time).
inline constexpr const char* kChinaOffset = "+08:00";

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACTORS_SITES_H_
