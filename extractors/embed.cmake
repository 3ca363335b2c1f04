# Writes OUTPUT: a C++ source holding every site file in FILES (a ;-list of paths)
# as bytes, for BuiltinSiteFiles() (extractors/builtin.h). Run by the build with
# cmake -P whenever a site file changes, so the shipped sites live in the binary.
set(body "")
set(entries "")
set(index 0)
foreach(path IN LISTS FILES)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "const unsigned char kFile${index}[] = {${bytes}};\n")
  string(APPEND entries "      {\"built-in:${name}\", Text(kFile${index}, sizeof(kFile${index}))},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from extractors/*.yaml by extractors/embed.cmake: do not edit.
#include <string>
#include <vector>

#include \"extractors/builtin.h\"

namespace medscrape {
namespace {

std::string Text(const unsigned char* bytes, size_t size) {
  return std::string(reinterpret_cast<const char*>(bytes), size);
}

${body}
}  // namespace

const std::vector<SiteFileSource>& BuiltinSiteFiles() {
  static const std::vector<SiteFileSource> files = {
${entries}  };
  return files;
}

}  // namespace medscrape
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
