#include "output/schema.hpp"

namespace icsim::schema {

const std::vector<SeriesInfo>& series_table() {
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
    };
    return table;
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

const std::vector<ColumnInfo>& snapshot_columns() {
    static const std::vector<ColumnInfo> cols = {
        {"id", "uint32", "", "resident id (stable for a resident's whole stay)"},
        {"cell", "uint32", "cell", "home cell: y x width + x"},
        {"group", "uint8", "", "group index into /groups/names"},
        {"tolerance", "float32", "1", "minimum same-group share of neighbours the resident wants"},
        {"language", "float32", "1", "proficiency in the city's main language, 0-1"},
        {"skill", "float32", "1", "labour-market skill, 0-1"},
        {"prejudice", "float32", "1", "prejudice towards out-groups, 0-1"},
    };
    return cols;
}

const std::vector<ColumnInfo>& checkpoint_columns() {
    static const std::vector<ColumnInfo> cols(snapshot_columns().begin() + 1, snapshot_columns().end());
    return cols;
}

} // namespace icsim::schema
