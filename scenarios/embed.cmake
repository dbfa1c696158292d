# Writes OUT: a C++ file defining icsim::default_scenario_text() as the bytes
# of IN (scenarios/library/default.toml), so `icsim run` works anywhere.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}.tmp"
  "// Generated from scenarios/library/default.toml by scenarios/embed.cmake. Do not edit.\n"
  "#include \"scenarios/loader.hpp\"\n"
  "namespace icsim {\n"
  "const std::string& default_scenario_text() {\n"
  "    static const unsigned char bytes[] = {${bytes} 0};\n"
  "    static const std::string text(reinterpret_cast<const char*>(bytes), sizeof bytes - 1);\n"
  "    return text;\n"
  "}\n"
  "}  // namespace icsim\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
