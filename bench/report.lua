-- wrk script: optionally cycle through a list of paths, then print one JSON line
-- with the figures bench/load.py reads. Latencies are in microseconds; answers
-- that are not 2xx/3xx count as errors.status.
--
--   wrk ... -s report.lua http://127.0.0.1:PORT/ -- PATHS_FILE
--
-- With a paths file (one request path per line), each thread walks the list from
-- its own offset, so concurrent requests ask for different images.

local paths = {}
local index = 0
local threads = 0

setup = function(thread)
   thread:set("offset", threads * 7919)
   threads = threads + 1
end

init = function(args)
   if args[1] then
      for line in io.lines(args[1]) do
         if #line > 0 then paths[#paths + 1] = line end
      end
   end
   index = (tonumber(offset) or 0)
end

request = function()
   if #paths == 0 then
      return wrk.format()
   end
   index = index + 1
   return wrk.format(nil, paths[(index % #paths) + 1])
end

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '\nBENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
      '"status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
      '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean))
end
