#include "output/schema.hpp"

#include "models/registry.hpp"

namespace icsim::schema {

namespace {

const std::vector<SeriesInfo>& builtin_series() {
    static const std::vector<SeriesInfo> table = {
        {"/timeseries/day", Dims::Step, "days",
         "simulated time at the end of the step: step x run.step_days"},
        {"/timeseries/population", Dims::Step, "residents", "residents in the city"},
        {"/timeseries/percent_similar", Dims::Step, "percent",
         "same-group share of residents' neighbours (Moore radius 1, own cell included, ratio of sums)"},
        {"/timeseries/theil_h", Dims::Step, "1",
         "multigroup Theil entropy index H over neighbourhoods (0 = even mix, 1 = complete separation)"},
        {"/timeseries/policy_cost", Dims::Step, "currency per step",
         "summed cost_per_step of the policies in force at the step"},
        {"/timeseries/group_population", Dims::StepGroup, "residents", "members of each group"},
        {"/timeseries/group_percent_similar", Dims::StepGroup, "percent",
         "same-group share of the neighbours of each group's members (Moore radius 1)"},
        {"/timeseries/dissimilarity", Dims::StepGroup, "1",
         "index of dissimilarity D of each group against the first (majority) group over neighbourhoods; 0 "
         "for the first group"},
        {"/timeseries/isolation", Dims::StepGroup, "1",
         "isolation index xPx of each group over neighbourhoods"},
        {"/timeseries/lever_intensity", Dims::StepLever, "1",
         "city-wide intensity (0-1) of each policy lever in force: baseline from the ICC Index plus "
         "policies"},
        {"/neighbourhoods/population", Dims::StepNeighbourhood, "residents",
         "residents of each neighbourhood"},
        {"/neighbourhoods/minority_share", Dims::StepNeighbourhood, "1",
         "share of a neighbourhood's residents not in the first (majority) group (0 when empty)"},
        {"/neighbourhoods/percent_similar", Dims::StepNeighbourhood, "percent",
         "same-group share of the neighbours of a neighbourhood's residents (Moore radius 1)"},
        {"/neighbourhoods/diversity", Dims::StepNeighbourhood, "1",
         "entropy of a neighbourhood's group mix divided by ln(number of groups): 0 = one group, 1 = all "
         "groups equal"},
        // Prejudice, the population's core attitude (the attitudes mechanism changes it).
        {"/timeseries/prejudice_mean", Dims::StepGroup, "1",
         "mean prejudice towards out-groups of each group"},
        {"/timeseries/prejudice_sd", Dims::StepGroup, "1",
         "standard deviation of prejudice within each group (its polarisation)"},
        {"/neighbourhoods/prejudice_mean", Dims::StepNeighbourhood, "1",
         "mean prejudice of a neighbourhood's residents (NaN when empty)"},
    };
    return table;
}

} // namespace

size_t builtin_series_count() {
    return builtin_series().size();
}

std::vector<SeriesInfo> series_table() {
    std::vector<SeriesInfo> table = builtin_series();
    for (const MechanismEntry& m : mechanism_registry())
        for (const SeriesDecl& d : m.series)
            table.push_back({d.path.c_str(), d.dims, d.unit.c_str(), d.description.c_str()});
    return table;
}

std::string declarations_markdown() {
    auto code = [](const std::string& s) { return "`" + s + "`"; };
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& s : v)
            out += (out.empty() ? "" : ", ") + s;
        return out.empty() ? std::string("--") : out;
    };
    std::string md = std::string(kDeclarationsBegin) +
                     " from the mechanisms' registry entries; a test fails when this is stale -->\n"
                     "| mechanism | resident columns it declares (type) | series it declares |\n"
                     "|---|---|---|\n";
    std::vector<std::string> city_cols, city_series;
    for (const ColumnInfo& c : checkpoint_columns()) {
        bool declared = false;
        for (const ColumnDecl& d : declared_columns())
            declared |= d.name == c.name;
        if (!declared)
            city_cols.push_back(code(c.name) + " (" + c.type + ")");
    }
    const std::vector<SeriesInfo> table = series_table();
    for (size_t k = 0; k < builtin_series_count(); ++k)
        city_series.push_back(code(table[k].path));
    md += "| (the city's own) | " + join(city_cols) + " | " + join(city_series) + " |\n";
    for (const MechanismEntry& m : mechanism_registry()) {
        std::vector<std::string> cols, series;
        for (const ColumnDecl& c : m.columns)
            cols.push_back(code(c.name) + " (" + column_type_name(c.type) + ")");
        for (const SeriesDecl& s : m.series)
            series.push_back(code(s.path));
        md += "| " + code(m.name) + " | " + join(cols) + " | " + join(series) + " |\n";
    }
    return md + kDeclarationsEnd + "\n";
}

std::string reads_writes_markdown() {
    auto cell = [](const std::string& s) { return s.empty() ? std::string("--") : s; };
    std::string md = std::string(kReadsWritesBegin) +
                     " from the mechanisms' registry entries; a test fails when this is stale -->\n"
                     "| # | mechanism | reads | writes |\n"
                     "|---|---|---|---|\n";
    int position = 0;
    for (const MechanismEntry& m : mechanism_registry()) {
        std::string number, name = "`" + m.name + "`";
        if (m.in_default_order) {
            number = std::to_string(++position);
        } else {
            number = "(after " + std::to_string(position) + ")";
            name += ", when named";
        }
        md += "| " + number + " | " + name + " | " + cell(m.reads) + " | " + cell(m.writes) + " |\n";
    }
    return md + kReadsWritesEnd + "\n";
}

std::string counter_description(const std::string& counter) {
    return "mechanism counter '" + counter + "': its figure for the step (0 at step 0)";
}

std::string dims_text(Dims d) {
    switch (d) {
    case Dims::Step:
        return "step";
    case Dims::StepGroup:
        return "step,group";
    case Dims::StepLever:
        return "step,lever";
    case Dims::StepNeighbourhood:
        return "step,neighbourhood";
    }
    return "step";
}

namespace {

// Every resident column of a checkpoint, in Population::for_each_column's
// order; `in_snapshot` marks those /snapshots keeps too.
struct ResidentColumn {
    ColumnInfo info;
    bool in_snapshot;
};

const std::vector<ResidentColumn>& resident_columns() {
    static const std::vector<ResidentColumn> cols = [] {
        std::vector<ResidentColumn> c = {
            {{"cell", "uint32", "cell", "home cell: y x width + x"}, true},
            {{"group", "uint8", "", "group index into /groups/names"}, true},
            {{"tolerance", "float32", "1", "minimum same-group share of neighbours the resident wants"},
             true},
            {{"language", "float32", "1", "proficiency in the city's main language, 0-1"}, true},
            {{"skill", "float32", "1", "labour-market skill, 0-1"}, true},
            {{"prejudice", "float32", "1", "prejudice towards out-groups, 0-1"}, true},
            {{"workplace", "uint32", "",
              "index into /city/places of the resident's workplace or school; 4294967295 = none"},
             true},
        };
        return c;
    }();
    return cols;
}

} // namespace

std::vector<ColumnInfo> snapshot_columns() {
    std::vector<ColumnInfo> c = {{"id", "uint32", "", "resident id (stable for a resident's whole stay)"}};
    for (const auto& r : resident_columns())
        if (r.in_snapshot)
            c.push_back(r.info);
    for (const ColumnDecl& d : declared_columns())
        if (d.snapshotted)
            c.push_back({d.name.c_str(), column_type_name(d.type), d.unit.c_str(), d.doc.c_str()});
    return c;
}

std::vector<ColumnInfo> checkpoint_columns() {
    std::vector<ColumnInfo> c;
    for (const auto& r : resident_columns())
        c.push_back(r.info);
    for (const ColumnDecl& d : declared_columns())
        if (d.checkpointed)
            c.push_back({d.name.c_str(), column_type_name(d.type), d.unit.c_str(), d.doc.c_str()});
    return c;
}

} // namespace icsim::schema
