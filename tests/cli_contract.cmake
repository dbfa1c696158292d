# The command-line contract users' scripts rely on: exit codes, one-line
# errors, and the JSON shape of `icsim classic ... --json`.
# Run as: cmake -DICSIM=path/to/icsim -P cli_contract.cmake
set(failures 0)

function(icsim_expect expected_rc pattern)
  execute_process(COMMAND ${ICSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(SEND_ERROR "icsim ${ARGN}: exit code ${rc}, expected ${expected_rc}\nstdout: ${out}\nstderr: ${err}")
  elseif(NOT "${out}${err}" MATCHES "${pattern}")
    message(SEND_ERROR "icsim ${ARGN}: output does not match '${pattern}'\nstdout: ${out}\nstderr: ${err}")
  endif()
  if(expected_rc EQUAL 2)
    string(REGEX MATCHALL "\n" lines "${err}")
    list(LENGTH lines n)
    if(NOT n EQUAL 1)
      message(SEND_ERROR "icsim ${ARGN}: expected a one-line error, got ${n} lines:\n${err}")
    endif()
  endif()
  set(last_out "${out}" PARENT_SCOPE)
endfunction()

# Bad input: one line, exit code 2.
icsim_expect(2 "unknown classic model 'schelling-netlogoo' \\(did you mean 'schelling-netlogo'\\?\\)"
             classic schelling-netlogoo)
icsim_expect(2 "--set: city.width: expected an integer in \\[3, 10000\\], found the integer 2" run --set city.width=2)
icsim_expect(2 "--set: 'city.width': expected key.path=value" run --set city.width)
icsim_expect(2 "--set: city.width: expected an integer in \\[3, 10000\\], found the string \"wide\"" run --set city.width=wide)
icsim_expect(2 "cannot open no-such-scenario.toml" run no-such-scenario.toml)
icsim_expect(2 "cannot open no-such-scenario.toml" check no-such-scenario.toml)
icsim_expect(2 "--explain city.widht: no such key" check --explain city.widht)
icsim_expect(0 "type: +integer.*default: +120" check --explain city.width)
icsim_expect(2 "unknown parameter 'density_wanted'" classic schelling-netlogo --set density_wanted=3)
icsim_expect(2 "density" classic schelling-netlogo --set density=150)
icsim_expect(2 "unknown benchmark" bench schelling-huge)
icsim_expect(2 "--bogus" run --bogus)
icsim_expect(2 "threads" run --threads 0)

# The default city runs and prints its summary.
icsim_expect(0 "percent_similar.*dissimilarity\\.newcomers.*Harbour" run --steps 3 --quiet --no-output)
# ... with the organisations' and workplaces' figures and the step's policy cost.
icsim_expect(0 "diversity_advantage +[0-9.]+ +[0-9.]+.*organisation_reach .*policy_cost .*percent_similar" run --steps 3
             --quiet --no-output)

# A run shorter than its scenario runs the policy windows to its end, with a
# note (not an error); --scale beyond the scenario's limits is one line.
icsim_expect(0 "icsim: note: the run stops after step 40 of the scenario's 260: policies [^\n]*anti-rumour-network[^\n]*cut there\nicsim: note: policies newcomer-mentoring[^\n]* start after step 40 and are skipped\n"
             run ${CMAKE_CURRENT_LIST_DIR}/../scenarios/library/intercultural-strategy.toml --steps 40 --quiet --no-output)
icsim_expect(2 "--scale: 10000 is too large for this city: city.width would be 12000 \\(at most 10000\\); the largest factor that fits is 6945"
             run --scale 10000 --no-output)

# classic --json: the documented shape, and the same JSON on any thread count.
icsim_expect(0 "" --threads 1 classic schelling-netlogo --runs 4 --seed 7 --json)
set(one "${last_out}")
icsim_expect(0 "" --threads 2 classic schelling-netlogo --runs 4 --seed 7 --json)
if(NOT one STREQUAL last_out)
  message(SEND_ERROR "classic JSON differs between 1 and 2 threads:\n${one}\n${last_out}")
endif()
foreach(path "model" "runs" "seed" "params;density" "params;similar_wanted" "metrics;percent_similar;mean"
        "metrics;percent_similar;sd" "metrics;percent_similar;se" "metrics;percent_similar;min"
        "metrics;percent_similar;max" "metrics;ticks;mean")
  string(JSON value ERROR_VARIABLE json_error GET "${one}" ${path})
  if(json_error)
    message(SEND_ERROR "classic JSON lacks ${path}: ${json_error}\n${one}")
  endif()
endforeach()
# bench --json reports the threads it ran on: the case's own number, or fewer
# when --threads limits the process.
foreach(threads 1 2)
  icsim_expect(0 "" --threads ${threads} bench schelling-500 --runs 1 --json)
  string(JSON got GET "${last_out}" threads)
  if(NOT got EQUAL threads)
    message(SEND_ERROR "bench schelling-500 with --threads ${threads} reports threads=${got}:\n${last_out}")
  endif()
endforeach()

string(JSON runs GET "${one}" runs)
string(JSON seed GET "${one}" seed)
if(NOT runs EQUAL 4 OR NOT seed EQUAL 7)
  message(SEND_ERROR "classic JSON reports runs=${runs} seed=${seed}, expected 4 and 7")
endif()
