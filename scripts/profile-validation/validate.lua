-- wrk: each request validates the next pre-issued ticket once (two threads, interleaved).
local tickets = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("OUT") .. "/tickets.txt") do table.insert(tickets, line) end
  i = id + 1
end
request = function()
  local t = tickets[i] or "ST-exhausted"
  i = i + 2
  return wrk.format("GET", "/cas/serviceValidate?service=https%3A%2F%2Fapp.example.org%2Fcb&ticket=" .. t)
end
