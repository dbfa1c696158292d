// What a mechanism declares about itself (models/registry.hpp gathers the
// declarations): the resident columns it adds to the population and the
// series it reports. The population's column list, the checkpoint and
// snapshot column lists and the HDF5 series table are built from these
// declarations, so a mechanism's file and its one registration line are all
// that adding a column and a series takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace icsim {

enum class ColumnType : uint8_t { U8, U32, F32 };

template <class T>
constexpr ColumnType column_type_of() {
    if constexpr (std::is_same_v<T, uint8_t>)
        return ColumnType::U8;
    else if constexpr (std::is_same_v<T, uint32_t>)
        return ColumnType::U32;
    else {
        static_assert(std::is_same_v<T, float>, "a resident column holds uint8_t, uint32_t or float");
        return ColumnType::F32;
    }
}

// "uint8", "uint32", "float32": the HDF5 type a column is stored as.
const char* column_type_name(ColumnType t);

// A resident column a mechanism adds to the population.
struct ColumnDecl {
    std::string name; // the dataset name in /checkpoints and /snapshots
    ColumnType type = ColumnType::F32;
    double initial = 0;        // the value of a resident no mechanism has touched yet (a newcomer)
    std::string unit;          // "" for a code or an index
    std::string doc;           // one line: what the value means
    bool checkpointed = true;  // part of the state a resumed run needs (false: recomputed every step)
    bool snapshotted = false;  // kept in /snapshots for viewers and analyses
    bool resident_ref = false; // holds resident ids (or kNoResident): renamed when residents are renumbered
    // Where set, a new resident's value is that of this built-in float
    // column ("tolerance", "language", "skill" or "prejudice") instead of
    // `initial`: Population::resize_state copies it into new rows, and
    // Population::derive_initial(r) into a newcomer's slot once its traits
    // are drawn. A cleared (vacant) slot holds `initial`.
    std::string initial_from{};
};

// What a per-step series is indexed by besides the step.
enum class Dims : uint8_t {
    Step,              // (step)
    StepGroup,         // (step, group)         columns: /groups/names
    StepLever,         // (step, lever)         columns: /levers/names
    StepNeighbourhood, // (step, neighbourhood) columns: /neighbourhoods/names
};

// A per-step float64 series a mechanism reports (Mechanism::report fills
// its rows; NaN rows when the mechanism does not run in a scenario).
struct SeriesDecl {
    std::string path; // "/timeseries/<name>" or "/neighbourhoods/<name>"
    Dims dims = Dims::Step;
    std::string unit;
    std::string description;
};

// The resident columns declared so far, in declaration order (the order
// mechanisms are registered in, each mechanism's in its own order). Every
// Population constructed after a declaration holds the column. Entries
// never move (a deque), so references and c_str() pointers stay valid.
const std::deque<ColumnDecl>& declared_columns();

// Declares a column and returns its index. Declaring a name again with the
// same type returns the existing index; with another type, or a name of one
// of the population's built-in columns, throws std::logic_error.
size_t declare_column(const ColumnDecl& decl);

// Removes the columns declared at index `first` and after (for tests that
// register a mechanism for a while: models/registry.hpp ScopedMechanism).
void undeclare_columns_from(size_t first);

// A typed index into the declared columns (Population::column).
template <class T>
struct ColumnHandle {
    uint32_t index = 0xffffffffu;
    bool valid() const { return index != 0xffffffffu; }
};

// The handle of a declared column by name; throws std::logic_error when no
// column of that name and type is declared (a mechanism asking for a column
// whose mechanism is not registered).
template <class T>
ColumnHandle<T> column_handle(const std::string& name) {
    const auto& cols = declared_columns();
    for (size_t k = 0; k < cols.size(); ++k)
        if (cols[k].name == name) {
            if (cols[k].type != column_type_of<T>())
                throw std::logic_error("resident column " + name + " is declared as " +
                                       column_type_name(cols[k].type));
            return ColumnHandle<T>{uint32_t(k)};
        }
    throw std::logic_error("no resident column " + name + " is declared (is its mechanism registered?)");
}

} // namespace icsim
