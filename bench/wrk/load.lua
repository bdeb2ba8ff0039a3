-- The bench's wrk script: `wrk … -s bench/wrk/load.lua <url> -- <mode> <threads> [<file> <service>]`.
-- Modes:
--   hello     GET / (bare Fastify); a success is a 200.
--   validate  GET /cas/p3/serviceValidate?service=…&ticket=ST-… with the tickets of <file>, one per line, each sent
--             once: thread k takes lines k+1, k+1+threads, … and stops when its share runs out (counted as ranout,
--             so the bench knows it issued too few). A success is a 200 with <cas:authenticationSuccess>.
--   sso       GET /cas/login?service=… with `Cookie: TGC=<line>`, the lines of <file> round-robin; a success is a
--             302 whose Location carries ticket=ST-.
-- done() prints one line the bench parses: `wecas-bench ok=… failed=… ranout=…`.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  local count = tonumber(args[2])
  ok, failed, ranout = 0, 0, 0
  items, next_item = {}, 1
  if args[3] then
    local line_no = 0
    for line in io.lines(args[3]) do
      if mode ~= "validate" or line_no % count == id then items[#items + 1] = line end
      line_no = line_no + 1
    end
  end
  local service = args[4] and args[4]:gsub("[^%w%-_.~]", function(c) return string.format("%%%02X", string.byte(c)) end)
  if mode == "hello" then
    fixed = wrk.format("GET", "/")
  elseif mode == "validate" then
    validate_prefix = "/cas/p3/serviceValidate?service=" .. service .. "&ticket="
  elseif mode == "sso" then
    login_path = "/cas/login?service=" .. service
  else
    error("unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "hello" then return fixed end
  local item = items[next_item]
  if mode == "validate" then
    if item == nil then
      -- Out of tickets: stop this thread; the request below is never counted.
      ranout = 1
      wrk.thread:stop()
      return wrk.format("GET", validate_prefix .. "ST-none")
    end
    next_item = next_item + 1
    return wrk.format("GET", validate_prefix .. item)
  end
  next_item = next_item % #items + 1
  return wrk.format("GET", login_path, { Cookie = "TGC=" .. item })
end

function response(status, headers, body)
  local success
  if mode == "hello" then
    success = status == 200
  elseif mode == "validate" then
    if ranout == 1 then return end
    success = status == 200 and body:find("<cas:authenticationSuccess>", 1, true) ~= nil
  else
    local location = headers["location"] or headers["Location"] or ""
    success = status == 302 and location:find("ticket=ST-", 1, true) ~= nil
  end
  if success then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_failed, total_ranout = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
    total_ranout = total_ranout + thread:get("ranout")
  end
  io.write(string.format("wecas-bench ok=%d failed=%d ranout=%d\n", total_ok, total_failed, total_ranout))
end
