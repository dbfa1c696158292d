// A fresh folder in the temporary directory for a test's files, removed
// when the object goes out of scope.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace icsim::testing {

struct TempDir {
    std::filesystem::path path;
    // `tag` names the folder (icsim-TAG-PID-N), so leftovers say whose they are.
    explicit TempDir(const std::string& tag) {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("icsim-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
};

} // namespace icsim::testing
