#include "sim/declare.hpp"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace icsim {

namespace {

std::deque<ColumnDecl>& columns() {
    static std::deque<ColumnDecl> c;
    return c;
}

// Declarations come from the mechanism registry's initialisation and from
// tests; the lock keeps two first uses on different threads apart.
std::mutex& lock() {
    static std::mutex m;
    return m;
}

// Population's own columns (sim/world.hpp): a mechanism may not declare
// these names.
constexpr const char* kBuiltIn[] = {"id",       "cell",  "group",     "tolerance",
                                    "language", "skill", "prejudice", "workplace"};

// The built-in columns a declared column's initial_from may name (float32,
// drawn for every resident and newcomer).
constexpr const char* kInitialSources[] = {"tolerance", "language", "skill", "prejudice"};

} // namespace

const char* column_type_name(ColumnType t) {
    switch (t) {
    case ColumnType::U8:
        return "uint8";
    case ColumnType::U32:
        return "uint32";
    case ColumnType::F32:
        return "float32";
    }
    return "float32";
}

const std::deque<ColumnDecl>& declared_columns() {
    return columns();
}

size_t declare_column(const ColumnDecl& decl) {
    const std::lock_guard<std::mutex> hold(lock());
    if (decl.name.empty())
        throw std::logic_error("a resident column needs a name");
    if (std::find_if(std::begin(kBuiltIn), std::end(kBuiltIn),
                     [&](const char* b) { return decl.name == b; }) != std::end(kBuiltIn))
        throw std::logic_error("resident column " + decl.name + " is one of the population's own columns");
    if (!decl.initial_from.empty() &&
        (decl.type != ColumnType::F32 ||
         std::find_if(std::begin(kInitialSources), std::end(kInitialSources),
                      [&](const char* s) { return decl.initial_from == s; }) == std::end(kInitialSources)))
        throw std::logic_error("resident column " + decl.name + ": initial_from " + decl.initial_from +
                               " is not a float32 built-in trait (tolerance, language, skill, prejudice)");
    auto& c = columns();
    for (size_t k = 0; k < c.size(); ++k)
        if (c[k].name == decl.name) {
            if (c[k].type != decl.type)
                throw std::logic_error("resident column " + decl.name +
                                       " declared twice with different types");
            return k;
        }
    c.push_back(decl);
    return c.size() - 1;
}

void undeclare_columns_from(size_t first) {
    const std::lock_guard<std::mutex> hold(lock());
    auto& c = columns();
    if (first < c.size())
        c.erase(c.begin() + std::ptrdiff_t(first), c.end());
}

} // namespace icsim
