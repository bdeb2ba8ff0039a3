-- wrk (MODE=sso): each request is a single sign-on, GET /cas/login?service=… with the TGC of the next of the
-- server's sessions (round-robin); the server answers 302 with a new service ticket.
local sessions = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("OUT") .. "/tickets.txt") do table.insert(sessions, line) end
  i = id
end
request = function()
  i = i + 1
  local tgc = sessions[(i % #sessions) + 1]
  return wrk.format("GET", "/cas/login?service=https%3A%2F%2Fapp.example.org%2Fcb", { Cookie = "TGC=" .. tgc })
end
