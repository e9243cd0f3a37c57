-- wrk script for bench/run: posts one GraphQL document, checks every answer and
-- counts SQL statements from the server's `x-sql-statements` header.
--
-- Environment (set by bench/run):
--   BENCH_QUERY   path of the .graphql file
--   BENCH_TOKEN   the Authorization header value
--   BENCH_MODE    static | detail | writes
--   BENCH_VARS    JSON variables for `static` (default {})
--   BENCH_NUMBERS conversations per tenant, for `detail` (a random number per request)
--   BENCH_IDS     file of conversation IDs, one a line, for `writes`
-- At the end it prints one line `BENCH_RESULT {json}` and, on errors, `BENCH_ERROR <body>`.

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    if c == '\n' then return '\\n' end
    return string.format('\\u%04x', c:byte())
  end)
  return '"' .. s .. '"'
end

local function read_file(path)
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

-- Main state: one entry per thread, to add their counters up in done().
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  thread:set("nthreads", tonumber(os.getenv("BENCH_THREADS") or "1"))
  table.insert(threads, thread)
end

-- Thread state.
local query, mode, headers
local prefix
local numbers
local ids, next_id, pending, busy, closed, verified
responses, errors, statements, reopens, first_error = 0, 0, 0, 0, ""

function init(args)
  query = json_string(read_file(os.getenv("BENCH_QUERY")))
  mode = os.getenv("BENCH_MODE") or "static"
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = os.getenv("BENCH_TOKEN"),
  }
  math.randomseed(os.time() + tid * 7919)
  if mode == "static" then
    wrk.body = '{"query":' .. query .. ',"variables":' .. (os.getenv("BENCH_VARS") or "{}") .. '}'
    wrk.method = "POST"
    wrk.headers = headers
  elseif mode == "detail" then
    numbers = tonumber(os.getenv("BENCH_NUMBERS"))
    prefix = '{"query":' .. query .. ',"variables":{"number":'
  elseif mode == "writes" then
    ids, next_id, pending, busy, closed = {}, 1, {}, {}, {}
    -- wrk calls request() once on the first thread to check it, and never sends that one.
    verified = tid ~= 1
    local n = 0
    for line in io.lines(os.getenv("BENCH_IDS")) do
      n = n + 1
      -- Each thread takes its own share, so no two threads write the same conversation.
      if line ~= "" and n % nthreads == tid - 1 then
        table.insert(ids, line)
      end
    end
    assert(#ids > 0, "no conversation IDs in " .. os.getenv("BENCH_IDS"))
    for i = #ids, 2, -1 do
      local j = math.random(i)
      ids[i], ids[j] = ids[j], ids[i]
    end
  end
end

local function post(operation, id)
  return wrk.format("POST", nil, headers, '{"query":' .. query .. ',"operationName":"' .. operation
    .. '","variables":{"id":"' .. id .. '"}}')
end

function request()
  if mode == "static" then
    return wrk.request()
  elseif mode == "detail" then
    return wrk.format("POST", nil, headers, prefix .. math.random(numbers) .. '}}')
  end
  if not verified then
    verified = true
    return post("ClaimConversation", ids[1])
  end
  -- writes: a step whose previous step has answered, else a new conversation.
  local step = table.remove(pending, 1)
  if step then
    return post(step[1], step[2])
  end
  -- The next conversation no step is under way on. Once all were closed (a short run
  -- on a tiny data set), they start over with a reopen.
  for _ = 1, #ids do
    if next_id > #ids then
      next_id = 1
    end
    local id = ids[next_id]
    next_id = next_id + 1
    if not busy[id] then
      busy[id] = true
      if closed[id] then
        reopens = reopens + 1
        return post("ReopenConversation", id)
      end
      return post("ClaimConversation", id)
    end
  end
  error("more connections than conversations to write to")
end

local follows = {
  reopenConversation = "ClaimConversation",
  claimConversation = "AddNote",
  addNote = "CloseConversation",
}

function response(status, hdrs, body)
  responses = responses + 1
  statements = statements + (tonumber(hdrs["x-sql-statements"] or "") or 0)
  local failed = status < 200 or status > 299 or body:find('"errors":', 1, true)
    or (body:find('"userErrors":', 1, true) and not body:find('"userErrors":[]', 1, true))
  if failed then
    errors = errors + 1
    if first_error == "" then
      first_error = "HTTP " .. status .. " " .. body:sub(1, 600)
    end
    return
  end
  if mode == "writes" then
    local field = body:match('^{"data":{"(%w+)"')
    -- Fields may come in any order: take the first id inside "conversation".
    local id = body:match('"conversation":{.-"id":"([^"]+)"')
    if field and follows[field] and id then
      table.insert(pending, { follows[field], id })
    elseif field == "closeConversation" and id then
      busy[id], closed[id] = nil, true
    end
  end
end

function done(summary, latency, requests)
  local total = { responses = 0, errors = 0, statements = 0, reopens = 0 }
  local sample = ""
  for _, t in ipairs(threads) do
    for k in pairs(total) do
      total[k] = total[k] + (t:get(k) or 0)
    end
    local e = t:get("first_error")
    if sample == "" and e and e ~= "" then
      sample = e
    end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,'
      .. '"max_ms":%.2f,"responses":%d,"errors":%d,"socket_errors":%d,"statements":%d,"reopens":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, total.responses, total.errors,
    e.connect + e.read + e.write + e.timeout, total.statements, total.reopens))
  if sample ~= "" then
    io.write("BENCH_ERROR " .. sample:gsub("\n", " ") .. "\n")
  end
end
