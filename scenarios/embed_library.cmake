# Writes OUT: a C++ file defining icsim::library_scenario_text(), the bytes
# of each scenario file of FILES (scenarios/library/*.toml, separated by |) by its file
# name, so that the validation can run the library's variants anywhere.
# FILES separates the paths by "|".
string(REPLACE "|" ";" files "${FILES}")
set(entries "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(MAKE_C_IDENTIFIER "${name}" id)
  string(APPEND arrays "static const unsigned char ${id}[] = {${bytes} 0};\n")
  string(APPEND entries "        {\"${name}\", std::string(reinterpret_cast<const char*>(${id}), sizeof ${id} - 1)},\n")
endforeach()
file(WRITE "${OUT}.tmp"
  "// Generated from scenarios/library/*.toml by scenarios/embed_library.cmake. Do not edit.\n"
  "#include <map>\n"
  "#include \"scenarios/loader.hpp\"\n"
  "namespace icsim {\n"
  "namespace {\n"
  "${arrays}"
  "} // namespace\n"
  "const std::string* library_scenario_text(const std::string& file) {\n"
  "    static const std::map<std::string, std::string> texts = {\n"
  "${entries}"
  "    };\n"
  "    const auto it = texts.find(file);\n"
  "    return it == texts.end() ? nullptr : &it->second;\n"
  "}\n"
  "}  // namespace icsim\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
