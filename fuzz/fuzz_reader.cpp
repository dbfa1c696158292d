// libFuzzer target for the output reader on damaged files: at start-up a
// small run (complete, snapshots and checkpoints) is written with the real
// writer; each input is a list of byte flips applied to a copy of it (5
// bytes each: a 32-bit little-endian position, taken modulo the file size,
// and the byte to XOR there; a final short record cuts the file at its
// position instead). The copy is read through everything inspect, export
// and resume read: it must read, or be refused with an OutputFormatError --
// never crash, hang or throw anything else. Built by fuzz/run.sh (clang,
// -fsanitize=fuzzer,address,undefined; HDF5 itself is not instrumented, so
// its crashes show as signals, not as ASan reports).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "output/reader.hpp"
#include "output/writer.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"

namespace {

std::vector<uint8_t> good;
std::string damaged_path;

std::vector<uint8_t> write_good_run() {
    using namespace icsim;
    const std::string path = "/tmp/icsim-fuzz-reader-" + std::to_string(::getpid()) + ".h5";
    {
        const ScenarioConfig s =
            load_default_scenario({"city.width=24", "city.height=24", "city.layout=voronoi"});
        Engine e = build_engine(s);
        RunInfo info;
        info.icsim_version = "fuzz";
        info.scenario_name = s.name;
        info.scenario_toml = s.resolved_toml;
        info.seed = s.seed;
        info.steps = 6;
        info.snapshot_every = 2;
        info.checkpoint_every = 3;
        std::vector<std::string> counters;
        for (const auto& c : e.counters())
            counters.push_back(c.first);
        RunWriter w(path, true, info, e.world(), counters, column_chunk_rows(e.world().pop.size()));
        w.step(0, e.world(), {}, e.policy());
        w.snapshot(0, e.world().pop);
        for (uint32_t step = 1; step <= 6; ++step) {
            e.step();
            w.step(step, e.world(), e.counters(), e.policy());
            if (step % 2 == 0)
                w.snapshot(step, e.world().pop);
            if (step % 3 == 0)
                w.checkpoint(step, e.world().pop);
        }
        w.close(true);
    }
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(path.c_str());
    return bytes;
}

// Everything the commands read.
void read_all(const icsim::RunFile& r) {
    (void)r.complete();
    (void)r.seed();
    (void)r.planned_steps();
    (void)r.checkpoint_every();
    (void)r.attr("scenario_toml");
    (void)r.group_names();
    (void)r.neighbourhood_names();
    (void)r.city();
    for (const auto& s : r.series())
        (void)r.read_series(s.path, 0, r.rows());
    (void)r.steps();
    (void)r.events();
    const auto snaps = r.snapshot_steps();
    if (!snaps.empty())
        (void)r.read_snapshot(snaps.size() - 1);
    const auto cps = r.checkpoint_steps();
    if (!cps.empty())
        (void)r.read_checkpoint(cps.size() - 1);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    good = write_good_run();
    damaged_path = "/tmp/icsim-fuzz-reader-" + std::to_string(::getpid()) + "-damaged.h5";
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> file = good;
    size_t k = 0;
    for (; k + 5 <= size; k += 5) {
        uint32_t at;
        std::memcpy(&at, data + k, 4);
        file[at % file.size()] ^= data[k + 4];
    }
    if (size - k >= 4) {
        uint32_t at;
        std::memcpy(&at, data + k, 4);
        file.resize(at % file.size());
    }
    {
        std::ofstream out(damaged_path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
    }
    try {
        const icsim::RunFile r(damaged_path);
        read_all(r);
    } catch (const icsim::OutputFormatError&) {
    }
    return 0;
}
