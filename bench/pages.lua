-- wrk script for bench/pages.py: one line of figures when the run ends.
--
-- Without PAGES_PATHS, wrk requests the one address it was given, by its
-- own fast path: this script defines no request() or response() then, as
-- either would cost wrk time on every request. With PAGES_PATHS naming a
-- file of paths, one a line, the threads take them in turn, and each
-- thread stops after PAGES_LIMIT answers (the memory run).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

if os.getenv("PAGES_PATHS") then
  function init(args)
    paths = {}
    local file = assert(io.open(os.getenv("PAGES_PATHS"), "r"))
    for line in file:lines() do
      if line ~= "" then
        table.insert(paths, line)
      end
    end
    file:close()
    -- Threads start at different places, so they do not walk in step.
    index = (id * 7919) % #paths
    limit = tonumber(os.getenv("PAGES_LIMIT"))
    answered = 0
  end

  function request()
    index = index % #paths + 1
    return wrk.format("GET", paths[index])
  end

  -- A stopped thread leaves wrk's main thread sleeping out -d, so each
  -- thread says so on a line of its own, and pages.py interrupts wrk (as
  -- Ctrl-C would, which still prints the figures) once all have.
  function response(status, headers, body)
    answered = answered + 1
    if answered == limit then
      io.write("PAGES thread stopped\n")
      io.flush()
      wrk.thread:stop()
    end
  end
end

-- Latencies are in microseconds. `status` counts answers of 400 and above;
-- wrk counts 3xx as successes, so pages.py checks each address for a 200
-- before it runs wrk on it.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "PAGES requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d "
      .. "connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.timeout, errors.status
  ))
end
