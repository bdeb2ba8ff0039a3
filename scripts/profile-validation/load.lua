-- wrk's script for run.sh and instructions.sh, by $MODE:
--   validate (the default): each request validates the next pre-issued ticket of $OUT/tickets.txt once (the threads
--             take every other line);
--   sso:      each request is a single sign-on, GET /cas/login?service=… with the TGC of the next of the server's
--             sessions in $OUT/tickets.txt (round-robin); the server answers 302 with a new service ticket.
local lines = {}
local counter = 0
local sso = os.getenv("MODE") == "sso"
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("OUT") .. "/tickets.txt") do table.insert(lines, line) end
  i = id + 1
end
request = function()
  if sso then
    i = i + 1
    local tgc = lines[(i % #lines) + 1]
    return wrk.format("GET", "/cas/login?service=https%3A%2F%2Fapp.example.org%2Fcb", { Cookie = "TGC=" .. tgc })
  end
  local t = lines[i] or "ST-exhausted"
  i = i + 2
  return wrk.format("GET", "/cas/serviceValidate?service=https%3A%2F%2Fapp.example.org%2Fcb&ticket=" .. t)
end
