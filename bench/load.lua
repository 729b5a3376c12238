-- wrk script for bench/load.py: GETs spread over the paths listed, one a
-- line, in the file LOAD_PATHS names, and a count of answers by status class.
--
-- Each wrk thread runs its own copy of this script; done() adds up the
-- threads' counters and prints them on one line that load.py reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  local file = assert(io.open(os.getenv("LOAD_PATHS"), "r"))
  for line in file:lines() do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  file:close()
  -- Threads must not walk the same sequence of pages.
  math.randomseed(os.time() + 7919 * id)
  counts = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0, other = 0 }
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

-- Which page answered is not known here; load.py reads that from gunicorn's
-- access log.
function response(status, headers, body)
  local class = tostring(math.floor(status / 100)) .. "xx"
  if counts[class] == nil then
    class = "other"
  end
  counts[class] = counts[class] + 1
end

function done(summary, latency, requests)
  local total = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0, other = 0 }
  for _, thread in ipairs(threads) do
    local thread_counts = thread:get("counts")
    for class, count in pairs(thread_counts) do
      total[class] = total[class] + count
    end
  end
  io.write(string.format(
    "STATUS 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d\n",
    total["2xx"], total["3xx"], total["4xx"], total["5xx"], total.other
  ))
end
