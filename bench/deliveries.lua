-- wrk script for bench/run: sends pre-signed deliveries, each once.
--
-- usage: wrk -t2 -c64 -d10s --latency -s bench/deliveries.lua URL -- DIR
-- DIR holds deliveries.<thread>.http (bench/make_deliveries.py): raw HTTP requests of one
-- fixed length, so a thread's next request is a slice of its file. Thread t sends only its
-- own file, in order. Should a thread run out it starts over, and `done` reports how many
-- times (a bot then dedupes the repeats, so bench/run sizes the files to avoid it).
--
-- The file is read CHUNK requests at a time: LuaJIT's heap holds a gigabyte or two at most,
-- less than a file of a million deliveries and its copy.
--
-- Each request is a new string, and LuaJIT's collector starts a cycle only once the heap has
-- doubled: with a big file alive, that was hundreds of thousands of dead requests at a time,
-- and wrk stopped for 20 to 40 ms while it swept them and resized its string table (p99.9 of
-- 40 ms against a bare server, and p99 over 10 ms against slower servers, whose answers those
-- stalls held back). A full collection every COLLECT_EVERY requests finds little to do.

local CHUNK = 256
local COLLECT_EVERY = 1000

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local dir = args[1] or error("usage: ... -s deliveries.lua URL -- DIR")
   local path = dir .. "/deliveries." .. id .. ".http"
   file = assert(io.open(path, "rb"))
   local first = file:read(65536) or ""
   local head_end = assert(first:find("\r\n\r\n", 1, true), path .. ": not HTTP requests")
   local length = tonumber(first:sub(1, head_end):match("Content%-Length: (%d+)"))
   reclen = head_end + 3 + length
   local size = file:seek("end")
   count = math.floor(size / reclen)
   assert(count > 0 and count * reclen == size, path .. ": requests of unequal length")
   file:seek("set", 0)
   position = 0
   chunk, chunk_first, chunk_count = "", 0, 0
   wrapped = 0
   sent = 0
end

function request()
   if position == chunk_first + chunk_count then
      if position == count then
         position = 0
         wrapped = wrapped + 1
         file:seek("set", 0)
      end
      chunk = assert(file:read(CHUNK * reclen), "the deliveries file got shorter")
      chunk_first, chunk_count = position, math.floor(#chunk / reclen)
   end
   local at = (position - chunk_first) * reclen
   position = position + 1
   sent = sent + 1
   if sent % COLLECT_EVERY == 0 then
      collectgarbage("collect")
   end
   return chunk:sub(at + 1, at + reclen)
end

function done(summary, latency, requests)
   local wraps = 0
   for _, thread in ipairs(threads) do
      wraps = wraps + (thread:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d status_errors=%d connect_errors=%d read_errors=%d " ..
      "write_errors=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d wrapped=%d\n",
      summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      wraps))
end
